// A small real lab on loopback for the ASM orchestration tests: BIND (named) serving a test zone on 127.0.0.1 at
// a free port (TXT ownership tokens, names resolving inside and outside the scope), and a real HTTP server on
// 127.0.0.1 whose exposures can be switched off and on (a fix, then a regression). Nothing leaves loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createSocket } from 'node:dgram';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asmLabSite } from '../src/testing.js';

export async function freePort(): Promise<number> {
  // A port free for both TCP and UDP (named listens on both).
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createNetServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

export interface LoopbackDns {
  port: number;
  /** Rewrites the zone (records after the SOA/NS lines) and reloads named. */
  setRecords(records: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startDns(zone: string, records: string[]): Promise<LoopbackDns> {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-asm-dns-'));
  const port = await freePort();
  const zoneFile = join(dir, `${zone}.zone`);
  let serial = 1;
  const writeZone = (rs: string[]): void =>
    writeFileSync(
      zoneFile,
      `$TTL 1\n@ IN SOA ns1.${zone}. hostmaster.${zone}. ${serial++} 3600 600 86400 1\n@ IN NS ns1.${zone}.\nns1 IN A 127.0.0.1\n${rs.join('\n')}\n`,
    );
  writeZone(records);
  const conf = join(dir, 'named.conf');
  writeFileSync(
    conf,
    `options {\n  directory "${dir}";\n  pid-file "${join(dir, 'named.pid')}";\n  listen-on port ${port} { 127.0.0.1; };\n  listen-on-v6 { none; };\n  recursion no;\n  allow-transfer { none; };\n  dnssec-validation no;\n};\ncontrols { };\nzone "${zone}" { type primary; file "${zoneFile}"; };\n`,
  );
  const start = (): ChildProcess =>
    spawn('/usr/sbin/named', ['-g', '-4', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let proc = start();
  const ready = async (): Promise<void> => {
    const { DnsClient } = await import('@mamori/asm');
    const c = new DnsClient({ server: { host: '127.0.0.1', port } });
    const deadline = Date.now() + 15000;
    for (;;) {
      try {
        const m = await c.query(zone, 'SOA', false);
        if (m.answers.length > 0) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error('named did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await ready();
  const stopProc = (p: ChildProcess): Promise<void> =>
    new Promise((resolve) => {
      if (p.exitCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  return {
    port,
    async setRecords(rs) {
      // Restart rather than rndc: no control channel to configure, and a restart takes ~100 ms.
      await stopProc(proc);
      writeZone(rs);
      proc = start();
      await ready();
    },
    async stop() {
      await stopProc(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface LabWeb {
  port: number;
  /** Serve /.env (a secret) or not. */
  exposeEnv: boolean;
  /** Delay every response (ms): keeps a scan busy long enough to kill its worker. */
  delayMs: number;
  requests: number;
  stop(): Promise<void>;
}

export async function startWeb(): Promise<LabWeb> {
  const state = { exposeEnv: true, delayMs: 0, requests: 0 };
  const site = asmLabSite(state);
  const server: Server = createServer((req, res) => {
    state.requests++;
    setTimeout(() => site(req, res), state.delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get exposeEnv() {
      return state.exposeEnv;
    },
    set exposeEnv(v: boolean) {
      state.exposeEnv = v;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v: number) {
      state.delayMs = v;
    },
    get requests() {
      return state.requests;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
