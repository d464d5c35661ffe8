// ASM data for the API tests and the isolation suite, made the real way: a small HTTP server per tenant on a
// loopback address (127.0.0.1 / .2 / .3) exposing /.env and /.git/HEAD, a CIDR root per organization attested
// by the system, and a scan through platform.asm.runScanNow. Nothing leaves loopback.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import { STATE_ORG_ID } from '@mamori/platform';
import { asmLabSite } from '@mamori/platform/testing';
import type {
  AsmAsset,
  AsmFinding,
  AsmScanRunDetail,
  AsmSchedule,
  AsmScopeRoot,
  RequestContext,
} from '@mamori/platform';
import type { TestApp } from './helpers.js';

export interface TenantSeed {
  organizationId: string;
  address: string;
  port: number;
  scan: AsmScanRunDetail;
  findings: AsmFinding[];
  assets: AsmAsset[];
  /** The attested CIDR root the scan ran on. */
  root: AsmScopeRoot;
  /** A pending dns-txt root and a pending attestation root (for delete / verify / attest cases). */
  pendingDns: AsmScopeRoot;
  pendingAttest: AsmScopeRoot;
  spareRoot: AsmScopeRoot;
  schedules: AsmSchedule[];
}

/** A DNS responder on loopback answering TXT questions from `records` (name → strings); NXDOMAIN otherwise. */
export async function startTxtDns(records: Map<string, string[]>): Promise<{ port: number; socket: Socket }> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    let o = 12;
    const labels: string[] = [];
    while (msg[o]! > 0) {
      labels.push(msg.subarray(o + 1, o + 1 + msg[o]!).toString('latin1'));
      o += msg[o]! + 1;
    }
    const qEnd = o + 5;
    const qtype = msg.readUInt16BE(o + 1);
    const name = labels.join('.').toLowerCase();
    const txt = qtype === 16 ? (records.get(name) ?? null) : null;
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8400 | (txt ? 0 : 3), 2); // response, authoritative, NOERROR / NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(txt ? txt.length : 0, 6);
    const answers = (txt ?? []).map((s) => {
      const data = Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(16, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(1, 6);
      rr.writeUInt16BE(data.length, 10);
      return Buffer.concat([rr, data]);
    });
    socket.send(Buffer.concat([header, msg.subarray(12, qEnd), ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, socket };
}

export async function startLabWeb(address: string): Promise<{ port: number; server: Server }> {
  const server = createServer(asmLabSite({ exposeEnv: true }));
  await new Promise<void>((r) => server.listen(0, address, r));
  servers.add(server);
  return { port: (server.address() as { port: number }).port, server };
}

let tag = 0;
let attester: Promise<RequestContext> | null = null;
const servers = new Set<Server>();

/** Stops every lab server this process started (kept referenced while up: a scan awaits only them). */
export async function stopLabWebs(): Promise<void> {
  await Promise.all(
    [...servers].map(
      (s) =>
        new Promise<void>((r) => {
          servers.delete(s);
          s.closeAllConnections();
          s.close(() => r());
        }),
    ),
  );
}

export async function seedTenant(t: TestApp, organizationId: string, address: string): Promise<TenantSeed> {
  const asm = t.platform.asm;
  const ctx = t.system;
  const { port } = await startLabWeb(address);
  const root = await asm.scope.addRoot(ctx, { organizationId, kind: 'cidr', value: `${address}/32` });
  // Ownership attestation is a person's word (a state administrator's here), never the system's.
  attester ??= t.platform
    .addUser({ username: `asm-attester-${process.pid}`, role: 'state_admin', organizationId: STATE_ORG_ID })
    .then((u) => u.ctx);
  const attested = await asm.scope.attestRoot(await attester, root.id, { statement: 'test lab on loopback' });
  assert.equal(attested.verificationState, 'verified');
  await asm.scope.updateSettings(ctx, organizationId, { ports: String(port), ratePerSecond: 200 });
  const scan = await asm.runScanNow(ctx, { organizationId });
  assert.equal(scan.status, 'done', scan.error ?? '');
  const findings = (await asm.listFindings(ctx, { organizationId, limit: 200 })).items;
  assert.ok(findings.length >= 2, `findings of ${address}: ${findings.map((f) => f.check).join(',')}`);
  const assets = (await asm.listAssets(ctx, { organizationId })).items;
  const n = ++tag;
  const pendingDns = await asm.scope.addRoot(ctx, {
    organizationId,
    kind: 'domain',
    value: `t${n}-${process.pid}.example.jp`,
  });
  const pendingAttest = await asm.scope.addRoot(ctx, {
    organizationId,
    kind: 'host',
    value: `h${n}-${process.pid}.example.jp`,
    verificationMethod: 'attestation',
  });
  const spareRoot = await asm.scope.addRoot(ctx, {
    organizationId,
    kind: 'domain',
    value: `spare${n}-${process.pid}.example.jp`,
  });
  const schedules = [
    await asm.createSchedule(ctx, { organizationId, cron: '0 3 * * 1' }),
    await asm.createSchedule(ctx, { organizationId, cron: '0 4 * * 2', enabled: false }),
    await asm.createSchedule(ctx, { organizationId, cron: '0 5 * * 3', enabled: false }),
  ];
  return {
    organizationId,
    address,
    port,
    scan,
    findings,
    assets,
    root: attested,
    pendingDns,
    pendingAttest,
    spareRoot,
    schedules,
  };
}
