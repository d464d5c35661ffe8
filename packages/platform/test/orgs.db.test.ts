import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { STATE_ORG_ID, orgIdForCode } from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';

let p: TestPlatform;
const db = testDialect();
before(async () => {
  p = await createTestPlatform({ orgs: false });
});
after(() => p.close());

async function listAll(q: Parameters<TestPlatform['orgs']['list']>[1] = {}) {
  const out = [];
  let cursor: string | null = null;
  do {
    const page = await p.orgs.list(p.system, { ...q, limit: 200, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

test(`loads the state, 47 prefectures and 1,741 municipalities, wards apart (${db})`, async () => {
  const r = await p.orgs.loadOfficial(p.system);
  assert.equal(r.governments, 1788);
  assert.equal(r.inserted, r.total);
  const all = await listAll();
  assert.equal(all.length, 1789);
  assert.equal(all.filter((o) => o.kind === 'prefecture').length, 47);
  assert.equal(all.filter((o) => o.kind === 'state').length, 1);
  assert.equal(all.filter((o) => o.kind === 'ward').length, 0);
  assert.ok(r.wards > 100, 'wards are loaded as sub-units');
  const withWards = await listAll({ includeWards: true });
  assert.equal(withWards.length, 1789 + r.wards);
  // Loading again changes nothing.
  const again = await p.orgs.loadOfficial(p.system);
  assert.equal(again.inserted, 0);
  assert.equal(again.updated, 0);
  assert.equal((await listAll()).length, 1789);
});

test(`only a state-wide administrator (or the system) reloads the official list (${db})`, async () => {
  const shizuoka = orgIdForCode('220001');
  const pref = await p.addUser({
    username: 'load-pref-admin',
    role: 'prefecture_admin',
    organizationId: shizuoka,
  });
  await assert.rejects(
    p.orgs.loadOfficial(pref.ctx),
    (e: { code?: string }) => e.code === 'MAMORI_FORBIDDEN',
  );
  const state = await p.addUser({
    username: 'load-state-admin',
    role: 'state_admin',
    organizationId: STATE_ORG_ID,
  });
  const r = await p.orgs.loadOfficial(state.ctx);
  assert.equal(r.governments, 1788);
});

test(`hierarchy: state → prefecture → municipality → ward (${db})`, async () => {
  const sapporoChuo = await p.orgs.find(p.system, '011011');
  assert.equal(sapporoChuo.kind, 'ward');
  assert.deepEqual(
    sapporoChuo.path.map((o) => o.name),
    ['総務省', '北海道', '札幌市'],
  );
  assert.equal(sapporoChuo.parent?.id, orgIdForCode('011002'));
  const state = await p.orgs.get(p.system, STATE_ORG_ID);
  assert.equal(state.childCount, 47);
  assert.equal(state.parent, null);
  const shizuoka = await p.orgs.children(p.system, orgIdForCode('220001'));
  assert.ok(shizuoka.items.some((o) => o.name === '浜松市'));
  assert.ok(shizuoka.items.every((o) => o.prefectureCode === '22'));
  // Wards are listed under their city when asked by parent.
  const hamamatsu = await p.orgs.list(p.system, { parentId: orgIdForCode('221309') });
  assert.ok(hamamatsu.items.length > 0 && hamamatsu.items.every((o) => o.kind === 'ward'));
});

test(`search by name, kana (any width, hiragana or katakana) and code prefix (${db})`, async () => {
  const names = async (q: string) =>
    (await p.orgs.list(p.system, { q, limit: 200 })).items.map((o) => o.name);
  assert.ok((await names('沼津')).includes('沼津市'));
  assert.ok((await names('ぬまづ')).includes('沼津市'));
  assert.ok((await names('ヌマヅ')).includes('沼津市'));
  assert.ok((await names('ﾇﾏﾂﾞ')).includes('沼津市'));
  assert.ok((await names('そうむしょう')).includes('総務省'));
  const byCode = await names('2220');
  assert.ok(byCode.includes('沼津市'));
  assert.ok((await names('222038')).length === 1);
  assert.deepEqual(await names('%'), []);
  assert.deepEqual(await names('_'), []);
});

test(`administrators register bodies under an organization (${db})`, async () => {
  const body = await p.orgs.create(p.system, {
    name: '静岡県セキュリティクラウド運用事業者',
    nameKana: 'シズオカケンセキュリティクラウドウンヨウジギョウシャ',
    kind: 'soc_operator',
    parentId: orgIdForCode('220001'),
  });
  assert.equal(body.prefectureCode, '22');
  assert.equal(body.code, null);
  const found = await p.orgs.list(p.system, { q: 'せきゅりてぃくらうど' });
  assert.ok(found.items.some((o) => o.id === body.id));
  await assert.rejects(
    p.orgs.create(p.system, {
      name: 'x',
      nameKana: 'x',
      kind: 'city' as never,
      parentId: orgIdForCode('220001'),
    }),
    { code: 'MAMORI_VALIDATION' },
  );
  await assert.rejects(
    p.orgs.create(p.system, { name: 'x', nameKana: 'x', kind: 'other', parentId: 'nope' }),
    { code: 'MAMORI_ORG_NOT_FOUND' },
  );
  await assert.rejects(p.orgs.get(p.system, 'nope'), { code: 'MAMORI_ORG_NOT_FOUND' });
  await assert.rejects(p.orgs.list(p.system, { limit: 0 }), { code: 'MAMORI_VALIDATION' });
  await assert.rejects(p.orgs.list(p.system, { cursor: '!!' }), { code: 'MAMORI_VALIDATION' });
});
