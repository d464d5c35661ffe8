// Test harness for the HTTP API: a real platform on a fresh database (SQLite or PostgreSQL per
// MAMORI_TEST_DB), the app driven with inject() (no sockets), and principals signed in the way a
// browser does it — password, then TOTP enrolment for roles that need MFA.
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { DeepPartial, MamoriConfig } from '@mamori/core';
import type { RequestContext, Role } from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';
import { buildApp, type BuildAppOptions } from '../src/index.js';

export const dialect = testDialect();

// ---- TOTP (RFC 6238, SHA-1, 30 s, 6 digits) -----------------------------------------------------------

function base32Decode(s: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = s.replace(/=+$/, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`bad base32 character ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totpAt(secret: string, step: number): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const o = h[h.length - 1]! & 0xf;
  const n = (h.readUInt32BE(o) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

export const currentStep = () => Math.floor(Date.now() / 30_000);

// ---- The app ----------------------------------------------------------------------------------------------

export interface TestApp {
  /** The platform helper's test platform: a fresh database, dropped by close(). */
  platform: TestPlatform;
  app: FastifyInstance;
  system: RequestContext;
  close(): Promise<void>;
}

export async function startTestApp(
  opts: {
    config?: DeepPartial<MamoriConfig>;
    app?: BuildAppOptions;
    loadOrgs?: boolean;
    /** The platform's clock (session timeouts). */
    clock?: () => Date;
  } = {},
): Promise<TestApp> {
  const platform = await createTestPlatform({
    orgs: opts.loadOrgs !== false,
    ...(opts.config ? { config: opts.config } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  let app: FastifyInstance;
  try {
    // The suites sign in many principals from 127.0.0.1: the per-address limits are tested on their own.
    const rateLimits = {
      login: { max: 10_000, timeWindow: 60_000 },
      mfa: { max: 10_000, timeWindow: 60_000 },
    };
    app = await buildApp(platform, { consoleDir: null, logRequests: false, rateLimits, ...opts.app });
  } catch (err) {
    await platform.close();
    throw err;
  }
  return {
    platform,
    app,
    system: platform.system,
    async close() {
      await app.close();
      await platform.close();
    },
  };
}

// ---- Clients ----------------------------------------------------------------------------------------------

/** A browser-like client: keeps the session cookie and sends the CSRF token on state-changing calls. */
export class Client {
  cookie: string | null = null;
  csrf: string | null = null;
  bearer: string | null = null;
  ip = '127.0.0.1';

  constructor(readonly app: FastifyInstance) {}

  async request(opts: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string> | undefined) };
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    else if (this.cookie) headers.cookie = `mamori_session=${this.cookie}`;
    const method = (opts.method ?? 'GET').toUpperCase();
    if (this.csrf && opts.csrf !== false && !['GET', 'HEAD'].includes(method))
      headers['x-csrf-token'] = this.csrf;
    const res = await this.app.inject({ ...opts, headers, remoteAddress: this.ip });
    const set = res.cookies.find((c) => c.name === 'mamori_session');
    if (set) this.cookie = set.value === '' ? null : set.value;
    // Like the console: keep the CSRF token of the latest sign-in step.
    if (res.statusCode === 200 && String(res.headers['content-type']).startsWith('application/json')) {
      const token = (JSON.parse(res.body) as { csrfToken?: unknown }).csrfToken;
      if (typeof token === 'string') this.csrf = token;
    }
    return res;
  }

  get = (url: string) => this.request({ method: 'GET', url });
  post = (url: string, payload?: unknown) =>
    this.request({ method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as object }) });
  patch = (url: string, payload: unknown) =>
    this.request({ method: 'PATCH', url, payload: payload as object });
  put = (url: string, payload: unknown) => this.request({ method: 'PUT', url, payload: payload as object });
  delete = (url: string) => this.request({ method: 'DELETE', url });
}

export function json<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

export function expectError(res: LightMyRequestResponse, status: number, code?: string): void {
  assert.equal(
    res.statusCode,
    status,
    `expected ${status}${code ? ` ${code}` : ''}, got ${res.statusCode}: ${res.body}`,
  );
  const body = json<{ error: { code: string; message: string; messageJa: string } }>(res);
  assert.match(body.error.code, /^MAMORI_/);
  assert.ok(body.error.message.length > 0);
  assert.ok(body.error.messageJa.length > 0);
  if (code) assert.equal(body.error.code, code);
}

// ---- Principals ---------------------------------------------------------------------------------------------

export interface Principal {
  name: string;
  userId: string;
  username: string;
  password: string;
  role: Role;
  organizationId: string;
  mfaSecret: string | null;
  lastStep: number;
  client: Client;
}

export const PASSWORD = 'correct horse battery staple 42';

export async function orgIdByCode(t: TestApp, code: string): Promise<string> {
  return (await t.platform.orgs.find(t.system, code)).id;
}

/** Creates a user (as the system) and signs it in through the API, enrolling TOTP when asked to. */
export async function signInNew(
  t: TestApp,
  name: string,
  role: Role,
  organizationId: string,
): Promise<Principal> {
  const username = `${name}-${role}`.toLowerCase().replace(/[^a-z0-9._@-]/g, '-');
  const user = await t.platform.accounts.create(t.system, {
    username,
    displayName: name,
    email: `${username}@example.jp`,
    organizationId,
    role,
    password: PASSWORD,
  });
  const p: Principal = {
    name,
    userId: user.id,
    username,
    password: PASSWORD,
    role,
    organizationId,
    mfaSecret: null,
    lastStep: 0,
    client: new Client(t.app),
  };
  await signIn(p);
  return p;
}

/** Signs an existing principal in (again) on its client; returns the final state. */
export async function signIn(p: Principal): Promise<string> {
  const c = p.client;
  c.cookie = null;
  c.csrf = null;
  const login = await c.post('/api/v1/auth/login', { username: p.username, password: p.password });
  assert.equal(login.statusCode, 200, login.body);
  let body = json<{ state: string; csrfToken: string }>(login);
  c.csrf = body.csrfToken;
  if (body.state === 'mfa_enrolment_required') {
    const e = await c.post('/api/v1/auth/mfa/enrolment');
    assert.equal(e.statusCode, 200, e.body);
    p.mfaSecret = json<{ secret: string }>(e).secret;
    p.lastStep = currentStep();
    const conf = await c.post('/api/v1/auth/mfa/enrolment/confirm', {
      code: totpAt(p.mfaSecret, p.lastStep),
    });
    assert.equal(conf.statusCode, 200, conf.body);
    body = json(conf);
    c.csrf = body.csrfToken;
  } else if (body.state === 'mfa_required') {
    // A code for an already used time step is refused (replay): take the next one, which the
    // verifier's ±1 step tolerance accepts.
    p.lastStep = Math.max(currentStep(), p.lastStep + 1);
    const v = await c.post('/api/v1/auth/mfa/verify', { code: totpAt(p.mfaSecret!, p.lastStep) });
    assert.equal(v.statusCode, 200, v.body);
    body = json(v);
    c.csrf = body.csrfToken;
  }
  assert.equal(body.state, 'authenticated');
  return body.state;
}
