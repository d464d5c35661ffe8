import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AhoCorasick, CharClasses, SPARSE } from '../src/ahocorasick.js';

/** Run the automaton over `text` the way the engine does; return sorted "pid@end" hits. */
function run(ac: AhoCorasick, cls: CharClasses, text: string): string[] {
  const out: string[] = [];
  let s = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const c = cls.map[code]!;
    s = c !== SPARSE ? ac.delta[s * ac.k + c]! : ac.step(s, cls.fold[code]!);
    if (s >= ac.outFrom) {
      const o = s - ac.outFrom;
      for (let j = ac.outStart[o]!; j < ac.outStart[o + 1]!; j++) out.push(`${ac.outList[j]}@${i}`);
    }
  }
  return out.sort();
}

function naive(patterns: string[], text: string): string[] {
  const t = text.toLowerCase();
  const out: string[] = [];
  patterns.forEach((p, pid) => {
    for (let i = t.indexOf(p); i !== -1; i = t.indexOf(p, i + 1)) out.push(`${pid}@${i + p.length - 1}`);
  });
  return out.sort();
}

test('Aho-Corasick finds exactly the case-insensitive occurrences of every pattern (random corpus)', () => {
  // Small alphabet (with non-ASCII letters) so patterns overlap, share prefixes and suffixes.
  const alphabet = ['a', 'b', 'c', 'A', 'B', '\\', '-', 'д', 'Д', '—', 'é'];
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const word = (max: number) => {
    let w = '';
    const len = 1 + rnd(max);
    for (let i = 0; i < len; i++) w += alphabet[rnd(alphabet.length)];
    return w;
  };
  for (let round = 0; round < 40; round++) {
    const patterns = [...new Set(Array.from({ length: 1 + rnd(40) }, () => word(6).toLowerCase()))];
    const cls = new CharClasses();
    for (const p of patterns) cls.add(p);
    cls.finish();
    const ac = new AhoCorasick(patterns, cls);
    for (let k = 0; k < 20; k++) {
      const text = word(60) + 'xyz' + word(20);
      assert.deepEqual(
        run(ac, cls, text),
        naive(patterns, text),
        `patterns ${JSON.stringify(patterns)} text ${text}`,
      );
    }
  }
});
