import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  defaultLgCodesPath,
  isValidLgCode,
  lgCheckDigit,
  loadLgRecords,
  parseLgRecords,
  LOCAL_GOVERNMENT_KINDS,
  MamoriError,
  prefectureLgCode,
} from '@mamori/core';

test('the shipped list holds 47 prefectures and 1,741 municipalities, wards apart', () => {
  const records = loadLgRecords();
  const count = (k: string) => records.filter((r) => r.kind === k).length;
  assert.equal(count('prefecture'), 47);
  assert.equal(records.filter((r) => LOCAL_GOVERNMENT_KINDS.includes(r.kind)).length, 1788);
  assert.equal(count('designated_city'), 20);
  assert.equal(count('special_ward'), 23);
  assert.equal(count('ward'), 171);
  assert.equal(records.length, 1788 + 171);
});

test('Northern Territories villages are excluded, the real 泊村 of 北海道 is kept', () => {
  const codes = new Set(loadLgRecords().map((r) => r.code));
  for (const c of ['016951', '016969', '016977', '016985', '016993', '017001']) assert.ok(!codes.has(c), c);
  assert.ok(codes.has('014036'));
});

test('hierarchy: municipalities under their prefecture, wards under their designated city', () => {
  const records = loadLgRecords();
  const byCode = new Map(records.map((r) => [r.code, r]));
  const sapporoChuo = byCode.get('011011')!;
  assert.equal(sapporoChuo.kind, 'ward');
  assert.equal(sapporoChuo.parentCode, '011002');
  const shizuokaAoi = records.find((r) => r.name === '静岡市葵区')!;
  assert.equal(byCode.get(shizuokaAoi.parentCode!)!.name, '静岡市');
  const chiyoda = records.find((r) => r.name === '千代田区')!;
  assert.equal(chiyoda.kind, 'special_ward');
  assert.equal(chiyoda.parentCode, '130001');
  for (const r of records) {
    if (r.kind === 'prefecture') assert.equal(r.parentCode, null);
    else assert.ok(byCode.has(r.parentCode!), `${r.code} parent ${r.parentCode}`);
  }
});

test('check digits: known codes and the prefecture formula', () => {
  assert.equal(lgCheckDigit('13101'), 6); // 千代田区 131016
  assert.ok(isValidLgCode('131016'));
  assert.ok(!isValidLgCode('131017'));
  assert.ok(!isValidLgCode('13101'));
  assert.equal(prefectureLgCode('01'), '010006');
  assert.equal(prefectureLgCode('47'), '470007');
  assert.throws(() => lgCheckDigit('1a101'), RangeError);
});

test('a wrong check digit fails the load and names the row', () => {
  const text = readFileSync(defaultLgCodesPath, 'utf8').replace('\n131016,', '\n131017,');
  assert.throws(
    () => parseLgRecords(text, 'lg.csv'),
    (err: unknown) =>
      err instanceof MamoriError &&
      err.code === 'MAMORI_DATA_INVALID' &&
      /lg\.csv:\d+: code 131017 \(千代田区\) has a wrong check digit/.test(err.message),
  );
});

test('malformed rows are refused with their line number', () => {
  const header = 'code,prefecture_code,prefecture,name,name_kana,kind\n';
  assert.throws(() => parseLgRecords('bad,header\n'), /:1: expected header/);
  assert.throws(() => parseLgRecords(header + '010006,01,北海道,北海道\n'), /:2: expected 6 columns/);
  assert.throws(
    () => parseLgRecords(header + '010006,01,北海道,北海道,ホッカイドウ,県\n'),
    /:2: unknown kind/,
  );
  assert.throws(
    () =>
      parseLgRecords(
        header +
          '010006,01,北海道,北海道,ホッカイドウ,都道府県\n010006,01,北海道,北海道,ホッカイドウ,都道府県\n',
      ),
    /:3: code 010006 appears twice/,
  );
  assert.throws(
    () =>
      parseLgRecords(
        header +
          '010006,01,北海道,北海道,ホッカイドウ,都道府県\n011011,01,北海道,札幌市中央区,サッポロシチュウオウク,行政区\n',
      ),
    /:3: ward 011011 .* does not follow its designated city/,
  );
});
