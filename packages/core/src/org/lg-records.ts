// The official list of local-government codes, shipped as data/lg-codes.csv (see data/SOURCE.md).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MamoriError } from '../errors/mamori-error.js';
import type { OrgKind } from './kinds.js';
import { isValidLgCode, prefectureLgCode } from './lg-code.js';

export interface LgRecord {
  /** Six digits including the check digit; leading zero kept. */
  code: string;
  /** JIS X 0401 prefecture number, '01'..'47'. */
  prefectureCode: string;
  name: string;
  nameKana: string;
  kind: OrgKind;
  /** The prefecture's code for a municipality, the designated city's code for a ward, null for a prefecture. */
  parentCode: string | null;
}

export const defaultLgCodesPath = fileURLToPath(new URL('../../data/lg-codes.csv', import.meta.url));

const kindByLabel: Record<string, OrgKind | 'excluded'> = {
  都道府県: 'prefecture',
  政令指定都市: 'designated_city',
  市: 'city',
  町: 'town',
  村: 'village',
  特別区: 'special_ward',
  行政区: 'ward',
  // Codes exist for the six villages of the Northern Territories, but they are not functioning governments.
  北方領土の村: 'excluded',
};

const expectedHeader = 'code,prefecture_code,prefecture,name,name_kana,kind';

function invalid(path: string, line: number, reason: string): MamoriError {
  return new MamoriError('MAMORI_DATA_INVALID', { reason: `${path}:${line}: ${reason}` });
}

/**
 * Reads and validates the code list. Every row's check digit is verified; a bad row fails the whole load
 * with its file and line, because a wrong code would silently misattribute events and survey answers.
 */
export function loadLgRecords(path: string = defaultLgCodesPath): LgRecord[] {
  const text = readFileSync(path, 'utf8');
  return parseLgRecords(text, path);
}

export function parseLgRecords(text: string, path = 'lg-codes.csv'): LgRecord[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== expectedHeader) {
    throw invalid(path, 1, `expected header "${expectedHeader}"`);
  }
  const records: LgRecord[] = [];
  const seen = new Set<string>();
  const designatedCities: { code: string; name: string }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const lineNo = i + 1;
    const cols = raw.split(',');
    if (cols.length !== 6) throw invalid(path, lineNo, `expected 6 columns, found ${cols.length}`);
    const [code, prefectureCode, , name, nameKana, label] = cols as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!/^\d{6}$/.test(code)) throw invalid(path, lineNo, `code "${code}" is not six digits`);
    if (!isValidLgCode(code)) throw invalid(path, lineNo, `code ${code} (${name}) has a wrong check digit`);
    if (code.slice(0, 2) !== prefectureCode) {
      throw invalid(path, lineNo, `code ${code} does not belong to prefecture ${prefectureCode}`);
    }
    if (seen.has(code)) throw invalid(path, lineNo, `code ${code} appears twice`);
    seen.add(code);
    const kind = kindByLabel[label];
    if (kind === undefined) throw invalid(path, lineNo, `unknown kind "${label}"`);
    if (kind === 'excluded') continue;
    if (name === '' || nameKana === '') throw invalid(path, lineNo, 'name and name_kana are required');

    let parentCode: string | null;
    if (kind === 'prefecture') {
      if (code !== prefectureLgCode(prefectureCode)) {
        throw invalid(path, lineNo, `prefecture code ${code} should be ${prefectureLgCode(prefectureCode)}`);
      }
      parentCode = null;
    } else if (kind === 'ward') {
      // A ward follows its designated city in code order within the same prefecture.
      const city = designatedCities.at(-1);
      if (city === undefined || city.code.slice(0, 2) !== prefectureCode || !name.startsWith(city.name)) {
        throw invalid(path, lineNo, `ward ${code} (${name}) does not follow its designated city`);
      }
      parentCode = city.code;
    } else {
      parentCode = prefectureLgCode(prefectureCode);
    }
    if (kind === 'designated_city') designatedCities.push({ code, name });
    records.push({ code, prefectureCode, name, nameKana, kind, parentCode });
  }
  for (const r of records) {
    if (r.kind !== 'ward' && r.parentCode !== null && !seen.has(r.parentCode)) {
      throw invalid(path, lines.length, `${r.code} (${r.name}): prefecture ${r.parentCode} is missing`);
    }
  }
  return records;
}
