// Shared vocabulary of the tenant-isolation suite: each area states its routes' cases in its own file under
// ./tables/ (exporting `table`), and ../isolation.db.test.ts runs them all.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { Client } from '../helpers.js';
import { expectError, json, type TestApp } from '../helpers.js';
import type { Fixture } from '../fixture.js';

export type Kind =
  | 'allowed'
  | 'unauthenticated'
  | 'cross-municipality'
  | 'cross-prefecture'
  | 'auditor-write'
  | 'token-permission';

export interface Req {
  url: string;
  payload?: unknown;
}

export interface Case {
  kind: Kind;
  label: string;
  who: (fx: Fixture) => Client;
  req: (fx: Fixture, t: TestApp) => Req | Promise<Req>;
  /** A status, 'denied' (403 or 404 with an error body: another tenant's data is not disclosed), or a check. */
  expect:
    number | 'denied' | ((res: LightMyRequestResponse, fx: Fixture, t: TestApp) => void | Promise<void>);
}

export interface RouteSpec {
  /** Why the route needs no credential. */
  public?: string;
  /** Why the route has no other tenant to reach (it acts on the caller's own session or account, or on no tenant data). */
  notTenantScoped?: string;
  /** Why an auditor may call this state-changing route (it changes only the caller's own session or account). */
  ownSession?: string;
  /** Why no permission is needed (so no token can lack it). */
  noPermission?: string;
  cases: Case[];
}

export const anon = (fx: Fixture) => fx.anonymous;
export const RESET_PASSWORD = 'a fresh initial password 2026';
export const expiresSoon = () => new Date(Date.now() + 86400_000).toISOString();
let seq = 0;
export const unique = (p: string) => `${p}-${process.pid}-${++seq}`;

/** Denied, or answered without a single item of the other tenant. */
export function noneOf(orgIds: (fx: Fixture) => string[], field = 'organizationId') {
  return (res: LightMyRequestResponse, fx: Fixture) => {
    if (res.statusCode === 403 || res.statusCode === 404) return expectError(res, res.statusCode);
    assert.equal(res.statusCode, 200, res.body);
    const items = json<{ items: Record<string, unknown>[] }>(res).items;
    const forbidden = new Set(orgIds(fx));
    const leaked = items.filter((i) => forbidden.has(String(i[field])) || forbidden.has(String(i.id)));
    assert.deepEqual(leaked, [], 'items of another tenant leaked');
  };
}

/** 200 with at least one item, all inside the allowed organizations. */
export function onlyWithin(orgIds: (fx: Fixture) => string[], field = 'organizationId') {
  return (res: LightMyRequestResponse, fx: Fixture) => {
    assert.equal(res.statusCode, 200, res.body);
    const items = json<{ items: Record<string, unknown>[] }>(res).items;
    assert.ok(items.length > 0, 'expected some items');
    const allowed = new Set(orgIds(fx));
    for (const i of items) {
      const org = i[field] === null || i[field] === undefined ? null : String(i[field]);
      assert.ok(org !== null && allowed.has(org), `item outside the caller's reach: ${JSON.stringify(i)}`);
    }
  };
}

export const unauthenticated = (req: Case['req']): Case => ({
  kind: 'unauthenticated',
  label: 'no credential → 401',
  who: anon,
  req,
  expect: 401,
});

export function newUser(organizationId: string) {
  const username = unique('u');
  return {
    username,
    displayName: username,
    email: `${username}@example.jp`,
    organizationId,
    role: 'municipality_staff' as const,
    password: 'a long enough password 12345',
  };
}

export function newToken(organizationId: string) {
  return { name: unique('t'), organizationId, permissions: ['org:read'], expiresAt: expiresSoon() };
}
