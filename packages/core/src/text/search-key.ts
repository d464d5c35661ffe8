// One normal form for searching Japanese names: half-width katakana and full-width ASCII fold
// under NFKC, hiragana becomes katakana, Latin letters lower-case, spaces and middle dots go.
// Store searchKey(name) and searchKey(kana) beside the record; apply searchKey to the query.

const HIRAGANA_START = 0x3041;
const HIRAGANA_END = 0x3096;
const KATAKANA_OFFSET = 0x60;

export function hiraganaToKatakana(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp >= HIRAGANA_START && cp <= HIRAGANA_END ? String.fromCodePoint(cp + KATAKANA_OFFSET) : ch;
  }
  return out;
}

export function searchKey(text: string): string {
  return hiraganaToKatakana(text.normalize('NFKC'))
    .toLowerCase()
    .replace(/[\s\u3000・･]/g, '');
}
