import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { orgIdForCode } from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';

const db = testDialect();
let p: TestPlatform;

// Five records: a few state changes, each audited in its own transaction.
beforeEach(async () => {
  p = await createTestPlatform({ orgs: false });
  await p.orgs.loadOfficial(p.system); // seq 1
  for (const name of ['組合A', '組合B', '組合C', '組合D']) {
    await p.orgs.create(p.system, {
      name,
      nameKana: 'クミアイ',
      kind: 'association',
      parentId: orgIdForCode('220001'),
    });
  }
});
afterEach(() => p.close());

const swapSeq = async (a: number, b: number) => {
  const k = p.db.kysely;
  await k.updateTable('audit_log').set({ seq: -1 }).where('seq', '=', a).execute();
  await k.updateTable('audit_log').set({ seq: a }).where('seq', '=', b).execute();
  await k.updateTable('audit_log').set({ seq: b }).where('seq', '=', -1).execute();
};

test(`an intact trail verifies (${db})`, async () => {
  const v = await p.audit.verify(p.system, { includeHead: true });
  assert.equal(v.ok, true);
  assert.equal(v.checked, 5);
  assert.deepEqual(v.problems, []);
  assert.equal(v.head?.seq, 5);
  const page = await p.audit.list(p.system, { limit: 2 });
  assert.deepEqual(
    page.items.map((r) => r.seq),
    [5, 4],
  );
  const next = await p.audit.list(p.system, { limit: 10, cursor: page.nextCursor });
  assert.deepEqual(
    next.items.map((r) => r.seq),
    [3, 2, 1],
  );
  assert.equal(next.nextCursor, null);
  assert.equal(page.items[0]!.actorName, 'system:test');
  assert.equal(page.items[0]!.action, 'org.create');
  assert.equal(page.items[0]!.result, 'success');
  assert.equal(page.items[0]!.organizationId, orgIdForCode('220001'));
});

test(`a changed record is found (${db})`, async () => {
  await p.db.kysely.updateTable('audit_log').set({ target: 'something else' }).where('seq', '=', 3).execute();
  const v = await p.audit.verify(p.system);
  assert.equal(v.ok, false);
  assert.deepEqual(
    v.problems.map((x) => [x.seq, x.kind]),
    [[3, 'changed']],
  );
});

test(`a changed record whose hash was recomputed is found by the broken link (${db})`, async () => {
  const { recordHash } = await import('@mamori/platform');
  const row = await p.db.kysely
    .selectFrom('audit_log')
    .selectAll()
    .where('seq', '=', 2)
    .executeTakeFirstOrThrow();
  const forged = { ...row, result: 'failure' };
  await p.db.kysely
    .updateTable('audit_log')
    .set({ result: 'failure', hash: recordHash(forged) })
    .where('seq', '=', 2)
    .execute();
  const v = await p.audit.verify(p.system);
  assert.deepEqual(
    v.problems.map((x) => [x.seq, x.kind]),
    [[2, 'changed']],
  );
});

test(`the last record rewritten with a recomputed hash is found (${db})`, async () => {
  const { recordHash } = await import('@mamori/platform');
  const row = await p.db.kysely
    .selectFrom('audit_log')
    .selectAll()
    .where('seq', '=', 5)
    .executeTakeFirstOrThrow();
  await p.db.kysely
    .updateTable('audit_log')
    .set({ target: 'forged', hash: recordHash({ ...row, target: 'forged' }) })
    .where('seq', '=', 5)
    .execute();
  const v = await p.audit.verify(p.system);
  assert.deepEqual(
    v.problems.map((x) => [x.seq, x.kind]),
    [[5, 'changed']],
  );
});

test(`a record appended outside Mamori is found (${db})`, async () => {
  const { recordHash } = await import('@mamori/platform');
  const last = await p.db.kysely
    .selectFrom('audit_log')
    .selectAll()
    .where('seq', '=', 5)
    .executeTakeFirstOrThrow();
  const forged = { ...last, seq: 6, action: 'user.create', prev_hash: last.hash };
  await p.db.kysely
    .insertInto('audit_log')
    .values({ ...forged, hash: recordHash(forged) })
    .execute();
  const v = await p.audit.verify(p.system);
  assert.deepEqual(
    v.problems.map((x) => [x.seq, x.kind]),
    [[6, 'changed']],
  );
});

test(`an anchor detects a chain recomputed from an earlier record (${db})`, async () => {
  const { recordHash } = await import('@mamori/platform');
  const before = await p.audit.verify(p.system, { includeHead: true });
  assert.equal(before.head?.seq, 5);
  const anchor = {
    seq: 3,
    hash: (
      await p.db.kysely.selectFrom('audit_log').select('hash').where('seq', '=', 3).executeTakeFirstOrThrow()
    ).hash,
  };
  assert.equal((await p.audit.verify(p.system, { anchor })).ok, true);
  // Rewrite record 3 and recompute every hash after it, head included: the chain alone cannot tell.
  const rows = await p.db.kysely
    .selectFrom('audit_log')
    .selectAll()
    .where('seq', '>=', 3)
    .orderBy('seq')
    .execute();
  let prev = (
    await p.db.kysely.selectFrom('audit_log').select('hash').where('seq', '=', 2).executeTakeFirstOrThrow()
  ).hash;
  for (const r of rows) {
    const next = { ...r, prev_hash: prev, target: r.seq === 3 ? 'forged' : r.target };
    const hash = recordHash(next);
    await p.db.kysely
      .updateTable('audit_log')
      .set({ target: next.target, prev_hash: prev, hash })
      .where('seq', '=', r.seq)
      .execute();
    prev = hash;
  }
  await p.db.kysely.updateTable('audit_head').set({ hash: prev }).where('id', '=', 1).execute();
  assert.equal((await p.audit.verify(p.system)).ok, true);
  const v = await p.audit.verify(p.system, { anchor });
  assert.deepEqual(
    v.problems.map((x) => [x.seq, x.kind]),
    [[3, 'changed']],
  );
});

test(`a removed record is found (${db})`, async () => {
  await p.db.kysely.deleteFrom('audit_log').where('seq', '=', 4).execute();
  const v = await p.audit.verify(p.system);
  assert.deepEqual(
    v.problems.map((x) => [x.seq, x.kind]),
    [[4, 'missing']],
  );
  assert.equal(v.checked, 4);
});

test(`removing the last records is found (${db})`, async () => {
  await p.db.kysely.deleteFrom('audit_log').where('seq', '>=', 4).execute();
  const v = await p.audit.verify(p.system);
  assert.deepEqual(
    v.problems.map((x) => [x.seq, x.kind]),
    [
      [4, 'missing'],
      [5, 'missing'],
    ],
  );
});

test(`reordered records are found (${db})`, async () => {
  await swapSeq(2, 4);
  const v = await p.audit.verify(p.system);
  assert.deepEqual(
    v.problems.map((x) => [x.seq, x.kind]),
    [
      [2, 'reordered'],
      [4, 'reordered'],
    ],
  );
  assert.match(v.problems[0]!.message, /belongs at position 4/);
});

test(`appends stay a single chain under concurrency (${db})`, async () => {
  await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      p.orgs.create(p.system, {
        name: `並行${i}`,
        nameKana: 'ヘイコウ',
        kind: 'other',
        parentId: orgIdForCode('220001'),
      }),
    ),
  );
  const v = await p.audit.verify(p.system);
  assert.equal(v.ok, true, JSON.stringify(v.problems));
  assert.equal(v.checked, 17);
});

test(`refused changes are recorded as denied; failures as failure (${db})`, async () => {
  const staff = await p.addUser({
    username: 'staff',
    role: 'municipality_staff',
    organizationId: orgIdForCode('222038'),
  });
  await assert.rejects(
    p.orgs.create(staff.ctx, { name: 'x', nameKana: 'x', kind: 'other', parentId: orgIdForCode('222038') }),
    { code: 'MAMORI_FORBIDDEN' },
  );
  await assert.rejects(
    p.orgs.create(p.system, { name: '', nameKana: 'x', kind: 'other', parentId: orgIdForCode('222038') }),
    { code: 'MAMORI_VALIDATION' },
  );
  const recs = (await p.audit.list(p.system, { action: 'org.create', limit: 2 })).items;
  assert.deepEqual(
    recs.map((r) => r.result),
    ['failure', 'denied'],
  );
  assert.equal(recs[1]!.actorName, 'staff');
  assert.equal(recs[1]!.sourceIp, '127.0.0.1');
  assert.equal((await p.audit.verify(p.system)).ok, true);
});
