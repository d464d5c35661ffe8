// 地方版ASM demo data for `mamori demo` (npm start): a real scan, through platform.asm, of a small web server
// this function starts on 127.0.0.1 for the demo city (静岡市) and stops again — it exposes /.env, /.git, a
// backup, a directory listing and an admin login like a forgotten deployment — so the ASM screens open
// populated. Loopback only: nothing leaves the machine.
// Idempotent: a city that already has the demo root is left alone.
import { createServer } from 'node:http';
import { orgIdForCode, STATE_ORG_ID } from './orgs/service.js';
import type { Platform, RequestContext } from './types.js';

export const DEMO_ASM_ORG = orgIdForCode('221007');
const ROOT = '127.0.0.1/32';

export interface DemoAsmResult {
  seeded: boolean;
  findings: number;
}

export async function seedDemoAsm(platform: Platform, ctx: RequestContext): Promise<DemoAsmResult> {
  const asm = platform.asm;
  const scope = await asm.scope.get(ctx, DEMO_ASM_ORG);
  if (scope.roots.some((r) => r.value === ROOT)) return { seeded: false, findings: 0 };
  // Ownership is attested by a person: the demo's state administrator.
  const admin = await platform.db.kysely
    .selectFrom('users')
    .select(['id', 'username'])
    .where('username', '=', 'admin')
    .where('organization_id', '=', STATE_ORG_ID)
    .executeTakeFirst();
  if (!admin) return { seeded: false, findings: 0 };
  const attester: RequestContext = {
    actor: {
      kind: 'user',
      userId: admin.id,
      username: admin.username,
      organizationId: STATE_ORG_ID,
      role: 'state_admin',
      mfaVerified: true,
    },
    sourceIp: ctx.sourceIp,
  };
  const server = createServer((req, res) => {
    if (req.url === '/.env') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('DB_HOST=10.0.0.5\nDB_PASSWORD=demo-only\n');
    } else if (req.url === '/admin/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<html><head><title>施設予約 管理画面 ログイン</title></head><body><input type="password"></body></html>',
      );
    } else if (req.url === '/backup.sql') {
      res.writeHead(200, { 'content-type': 'application/sql' });
      res.end('-- dump\nCREATE TABLE reservations (id int, name text);\n');
    } else if (req.url === '/files/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<html><head><title>Index of /files/</title></head><body><h1>Index of /files/</h1></body></html>',
      );
    } else if (req.url === '/.git/HEAD') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ref: refs/heads/main\n');
    } else {
      res.writeHead(req.url === '/' ? 200 : 404, {
        'content-type': 'text/html; charset=utf-8',
        server: 'nginx/1.22.1',
      });
      res.end('<html><head><title>静岡市 施設予約（デモ）</title></head><body></body></html>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as { port: number }).port;
    const root = await asm.scope.addRoot(ctx, {
      organizationId: DEMO_ASM_ORG,
      kind: 'cidr',
      value: ROOT,
      note: 'デモ用のローカル検証環境',
    });
    await asm.scope.attestRoot(attester, root.id, { statement: 'デモ用のローカル検証環境（127.0.0.1）' });
    await asm.scope.addRoot(ctx, {
      organizationId: DEMO_ASM_ORG,
      kind: 'domain',
      value: 'city.shizuoka.example.lg.jp',
    });
    await asm.scope.updateSettings(ctx, DEMO_ASM_ORG, { ports: String(port) });
    await asm.createSchedule(ctx, { organizationId: DEMO_ASM_ORG, cron: '0 3 * * 1', enabled: false });
    const run = await asm.runScanNow(ctx, { organizationId: DEMO_ASM_ORG });
    return { seeded: true, findings: run.counts.findings };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
