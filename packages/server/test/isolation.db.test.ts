// Tenant isolation over HTTP, for EVERY route the app registers: a municipality cannot read or change another
// municipality's data, a prefecture cannot reach another prefecture's, an auditor changes nothing, an
// unauthenticated request gets 401 and a token without the permission 403. The route list comes from the app
// itself (onRoute), so a new route without cases in the tables fails the suite. Each area keeps its cases in
// ./isolation/tables/<area>.ts; this file merges them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { RouteInfo } from '../src/index.js';
import { dialect, expectError, startTestApp, type TestApp } from './helpers.js';
import { createFixture, type Fixture } from './fixture.js';
import type { Kind, RouteSpec } from './isolation/kit.js';

const tablesDir = new URL('./isolation/tables/', import.meta.url);
const table: Record<string, RouteSpec> = {};
for (const file of readdirSync(tablesDir)
  .filter((f) => f.endsWith('.ts'))
  .sort()) {
  const mod = (await import(new URL(file, tablesDir).href)) as { table: Record<string, RouteSpec> };
  for (const [key, spec] of Object.entries(mod.table)) {
    if (table[key]) throw new Error(`${file}: ${key} already has cases in another table file`);
    table[key] = spec;
  }
}

/** What the table lacks for the routes the app registered (empty when complete). */
function tableProblems(routes: RouteInfo[], tbl: Record<string, RouteSpec>): string[] {
  const problems: string[] = [];
  const registered = new Set<string>();
  for (const r of routes) {
    const key = `${r.method} ${r.url}`;
    registered.add(key);
    const spec = tbl[key];
    if (!spec) {
      problems.push(`${key}: no cases in the isolation table`);
      continue;
    }
    const kinds = new Set(spec.cases.map((c) => c.kind));
    const need = (k: Kind, unless: string | undefined) => {
      if (!unless && !kinds.has(k)) problems.push(`${key}: missing a "${k}" case`);
    };
    if (!kinds.has('allowed'))
      problems.push(`${key}: missing an "allowed" case (proves the route works at all)`);
    if (r.auth === 'public') {
      if (!spec.public) problems.push(`${key}: route is public but the table does not say why`);
      continue;
    }
    if (spec.public) problems.push(`${key}: table says public but the route needs ${r.auth}`);
    need('unauthenticated', undefined);
    need('cross-municipality', spec.notTenantScoped);
    need('cross-prefecture', spec.notTenantScoped);
    if (r.stateChanging) need('auditor-write', spec.ownSession);
    need('token-permission', spec.noPermission);
  }
  for (const key of Object.keys(tbl)) {
    if (!registered.has(key)) problems.push(`${key}: in the table but not registered by the app`);
  }
  return problems;
}

describe(`tenant isolation over HTTP (${dialect})`, () => {
  let t: TestApp;
  let fx: Fixture;

  before(async () => {
    t = await startTestApp();
    fx = await createFixture(t);
  });
  after(async () => {
    await t?.close();
  });

  test('every registered route has a complete row in the table', () => {
    assert.deepEqual(tableProblems(t.app.mamoriRoutes, table), []);
  });

  test('the completeness check fails a route without cases, or without a required kind of case', () => {
    const extra: RouteInfo[] = [
      { method: 'GET', url: '/api/v1/new-thing', auth: 'actor', stateChanging: false },
      { method: 'DELETE', url: '/api/v1/organizations/:id', auth: 'actor', stateChanging: true },
    ];
    const trimmed = {
      ...table,
      'POST /api/v1/users': {
        cases: table['POST /api/v1/users']!.cases.filter((c) => c.kind !== 'auditor-write'),
      },
    };
    const problems = tableProblems([...t.app.mamoriRoutes, ...extra], trimmed);
    assert.ok(
      problems.includes('GET /api/v1/new-thing: no cases in the isolation table'),
      problems.join('\n'),
    );
    assert.ok(problems.includes('DELETE /api/v1/organizations/:id: no cases in the isolation table'));
    assert.ok(problems.includes('POST /api/v1/users: missing a "auditor-write" case'));
  });

  // Declared after the table's cases, so it runs last: the refused writes above left no trace but the audit.
  const finalCheck = () =>
    test('refused writes changed nothing, and were recorded as denied', async () => {
      for (const p of [fx.users.a2Admin, fx.users.b1Admin]) {
        const u = await t.platform.accounts.get(t.system, p.userId);
        assert.equal(u.disabled, false, `${p.username} was disabled by another tenant`);
      }
      const tokens = (await t.platform.tokens.list(t.system)).items;
      for (const id of [fx.tokenIds.a2, fx.tokenIds.b1, fx.tokenIds.a1]) {
        assert.equal(tokens.find((k) => k.id === id)?.revokedAt, null, `token ${id} was revoked`);
      }
      for (const parent of [fx.org.a2, fx.org.prefB, fx.org.a1]) {
        const kids = (await t.platform.orgs.children(t.system, parent)).items;
        assert.ok(!kids.some((o) => o.name.startsWith('組合')), `a body was registered under ${parent}`);
      }
      const users = (await t.platform.accounts.list(t.system, { organizationId: fx.org.b1, limit: 200 }))
        .items;
      assert.deepEqual(
        users.map((u) => u.username).sort(),
        [fx.users.b1Admin.username, fx.users.spare.username].sort(),
        'no user was created in B1 by another tenant',
      );
      const denied = (await t.platform.audit.list(t.system, { result: 'denied', limit: 200 })).items;
      assert.ok(
        denied.some((a) => a.action === 'user.update' && a.target === fx.users.a2Admin.userId),
        'the refused cross-tenant user update is in the audit trail',
      );
    });

  for (const [key, spec] of Object.entries(table)) {
    const [method, route] = key.split(' ') as [string, string];
    for (const c of spec.cases) {
      test(`${key} — ${c.kind}: ${c.label}`, async () => {
        const req = await c.req(fx, t);
        const client = c.who(fx);
        const res = await client.request({
          method: method as 'GET',
          url: req.url,
          ...(req.payload !== undefined ? { payload: req.payload as object } : {}),
        });
        if (typeof c.expect === 'number') {
          if (c.expect >= 400) expectError(res, c.expect);
          else assert.equal(res.statusCode, c.expect, `${route}: ${res.body}`);
        } else if (c.expect === 'denied') {
          assert.ok(
            [403, 404].includes(res.statusCode),
            `expected 403/404, got ${res.statusCode}: ${res.body}`,
          );
          expectError(res, res.statusCode);
        } else {
          await c.expect(res, fx, t);
        }
      });
    }
  }
  finalCheck();
});
