// OIDC sign-in against a minimal identity provider on 127.0.0.1 (discovery, JWKS, token endpoint with PKCE,
// RS256 ID tokens signed with node:crypto): the code flow, state/nonce checks and user matching.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { orgIdForCode } from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';

const db = testDialect();
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
const codes = new Map<string, { challenge: string; nonce: string; email: string }>();
let issuer = '';
let server: Server;
let p: TestPlatform;
const b64 = (v: object | Buffer) =>
  (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url');

function idToken(claims: Record<string, unknown>): string {
  const head = b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' });
  const body = b64(claims);
  const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(privateKey);
  return `${head}.${body}.${b64(sig)}`;
}

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return send(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
      });
    }
    if (url.pathname === '/jwks') return send(200, { keys: [jwk] });
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const grant = codes.get(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        if (
          !grant ||
          form.get('client_secret') !== 's3cret' ||
          createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
        ) {
          return send(400, { error: 'invalid_grant' });
        }
        codes.delete(form.get('code')!);
        const now = Math.floor(Date.now() / 1000);
        send(200, {
          access_token: randomBytes(16).toString('hex'),
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken({
            iss: issuer,
            aud: 'mamori',
            sub: grant.email,
            email: grant.email,
            nonce: grant.nonce,
            iat: now,
            exp: now + 300,
          }),
        });
      });
      return;
    }
    send(404, { error: 'not_found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  p = await createTestPlatform({
    config: {
      auth: { oidc: { issuer, clientId: 'mamori', clientSecret: 's3cret' } },
      server: { publicUrl: 'http://127.0.0.1:8080' },
    },
  });
  await p.addUser({
    username: 'staff@numazu.example.jp',
    role: 'municipality_staff',
    organizationId: orgIdForCode('222038'),
  });
  await p.addUser({
    username: 'admin@numazu.example.jp',
    role: 'municipality_admin',
    organizationId: orgIdForCode('222038'),
  });
});
after(async () => {
  await p.close();
  server.close();
});

const ctx = { actor: null, sourceIp: '192.0.2.50' };

/** What the browser does at the IdP: sign in as `email` and come back with a code. */
function authorize(url: string, email: string): string {
  const u = new URL(url);
  assert.equal(u.origin + u.pathname, `${issuer}/authorize`);
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(u.searchParams.get('redirect_uri'), 'http://127.0.0.1:8080/api/v1/auth/oidc/callback');
  const code = randomBytes(8).toString('hex');
  codes.set(code, {
    challenge: u.searchParams.get('code_challenge')!,
    nonce: u.searchParams.get('nonce')!,
    email,
  });
  return `http://127.0.0.1:8080/api/v1/auth/oidc/callback?code=${code}&state=${u.searchParams.get('state')}`;
}

test(`OIDC code flow signs an existing user in; MFA rules still apply (${db})`, async () => {
  assert.equal(p.auth.oidcEnabled(), true);
  const start = await p.auth.oidcStart(ctx);
  const { url, ...kept } = start;
  const r = await p.auth.oidcCallback(ctx, authorize(url, 'staff@numazu.example.jp'), kept);
  assert.equal(r.state, 'authenticated');
  assert.equal(r.user?.username, 'staff@numazu.example.jp');
  const s2 = await p.auth.oidcStart(ctx);
  const admin = await p.auth.oidcCallback(ctx, authorize(s2.url, 'admin@numazu.example.jp'), s2);
  assert.equal(admin.state, 'mfa_enrolment_required');
});

test(`OIDC refuses a wrong state, a replayed code and unknown users (${db})`, async () => {
  const s = await p.auth.oidcStart(ctx);
  const cb = authorize(s.url, 'staff@numazu.example.jp');
  await assert.rejects(p.auth.oidcCallback(ctx, cb, { ...s, state: 'other' }), {
    code: 'MAMORI_INVALID_CREDENTIALS',
  });
  const s2 = await p.auth.oidcStart(ctx);
  const cb2 = authorize(s2.url, 'staff@numazu.example.jp');
  await p.auth.oidcCallback(ctx, cb2, s2);
  await assert.rejects(p.auth.oidcCallback(ctx, cb2, s2), { code: 'MAMORI_INVALID_CREDENTIALS' });
  const s3 = await p.auth.oidcStart(ctx);
  await assert.rejects(p.auth.oidcCallback(ctx, authorize(s3.url, 'stranger@example.jp'), s3), {
    code: 'MAMORI_INVALID_CREDENTIALS',
  });
  const audit = await p.audit.list(p.system, { action: 'auth.oidc', limit: 50 });
  assert.ok(audit.items.some((r) => r.result === 'failure' && r.actorName === 'stranger@example.jp'));
  assert.ok(audit.items.some((r) => r.result === 'success'));
});

test(`without OIDC configured the flow is not available (${db})`, async () => {
  const plain = await createTestPlatform({ orgs: false });
  try {
    assert.equal(plain.auth.oidcEnabled(), false);
    await assert.rejects(plain.auth.oidcStart(ctx), { code: 'MAMORI_NOT_FOUND' });
  } finally {
    await plain.close();
  }
});
