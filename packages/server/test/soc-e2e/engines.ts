// Real edge engines for the SOC end-to-end test, each started in the foreground on 127.0.0.1 with a private
// config under a temporary folder and stopped by its PID: nginx + libmodsecurity 3 + OWASP CRS (WAF in front
// of a small test site), clamd with a LOCAL signature file (never freshclam) and rspamd using it as its
// anti-virus. Recipes as in packages/parsers/test/fixtures/generate.sh (see ../shared edge-engines notes).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';

export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitPort(port: number, timeoutMs: number, proc?: ChildProcess): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.exitCode !== null)
      throw new Error(`process exited (${proc.exitCode}) before port ${port} opened`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Engine {
  proc: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

function start(cmd: string, args: string[], cwd: string): Engine {
  const proc = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (b: Buffer) => {
    if (err.length < 20_000) err += b.toString();
  });
  return {
    proc,
    stderr: () => err,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const done = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

// ---------- nginx + ModSecurity v3 + CRS -------------------------------------------------------------------

export interface Waf extends Engine {
  port: number;
  auditLog: string;
  /** One request through the WAF; resolves with the status. */
  get(path: string, headers?: Record<string, string>): Promise<number>;
  auditLines(): string[];
}

export async function startWaf(dir: string, siteHost: string): Promise<Waf> {
  const d = join(dir, 'nginx');
  mkdirSync(join(d, 'tmp'), { recursive: true });
  mkdirSync(join(d, 'www'), { recursive: true });
  // nginx workers run unprivileged: the site must be readable by them (mkdtemp makes 0700 folders).
  for (const p of [dir, d, join(d, 'www')]) chmodSync(p, 0o755);
  for (const f of ['index.html', 'item', 'search', 'download', 'news'])
    writeFileSync(join(d, 'www', f), '<!doctype html><title>市役所</title><p>ok</p>\n');
  const base = readFileSync('/etc/nginx/modsecurity.conf', 'utf8')
    .replace(/^SecRuleEngine .*/m, 'SecRuleEngine On')
    .replace(/^SecAuditLog .*/m, `SecAuditLog ${d}/audit.log`)
    .replace(/^SecAuditLogType .*/m, 'SecAuditLogType Serial')
    .replace(/^SecUnicodeMapFile .*/m, 'SecUnicodeMapFile /etc/nginx/unicode.mapping 20127');
  // libmodsecurity 3.0.9 rejects IncludeOptional: include the CRS files one by one.
  const rules = readdirSync('/usr/share/modsecurity-crs/rules')
    .filter((f) => f.endsWith('.conf'))
    .sort()
    .map((f) => `Include /usr/share/modsecurity-crs/rules/${f}`);
  writeFileSync(
    join(d, 'modsec.conf'),
    [
      base,
      'SecAuditLogFormat JSON',
      'SecAuditLogParts ABHZ',
      'SecAuditEngine RelevantOnly',
      'Include /etc/modsecurity/crs/crs-setup.conf',
      'Include /etc/modsecurity/crs/REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf',
      ...rules,
      'Include /etc/modsecurity/crs/RESPONSE-999-EXCLUSION-RULES-AFTER-CRS.conf',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  writeFileSync(
    join(d, 'nginx.conf'),
    `load_module /usr/share/nginx/modules/ngx_http_modsecurity_module.so;
worker_processes 1;
daemon off;
pid ${d}/nginx.pid;
error_log ${d}/error.log warn;
events { worker_connections 64; }
http {
  access_log ${d}/access.log combined;
  client_body_temp_path ${d}/tmp; proxy_temp_path ${d}/tmp; fastcgi_temp_path ${d}/tmp; uwsgi_temp_path ${d}/tmp; scgi_temp_path ${d}/tmp;
  server {
    listen 127.0.0.1:${port};
    server_name ${siteHost};
    modsecurity on;
    modsecurity_rules_file ${d}/modsec.conf;
    root ${d}/www;
  }
}
`,
  );
  const e = start('nginx', ['-c', join(d, 'nginx.conf'), '-p', d], d);
  try {
    await waitPort(port, 60_000, e.proc);
  } catch (err) {
    await e.stop();
    throw new Error(`nginx did not start: ${String(err)}\n${e.stderr()}`, { cause: err });
  }
  const auditLog = join(d, 'audit.log');
  return {
    ...e,
    port,
    auditLog,
    get(path, headers = {}) {
      return new Promise((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path, method: 'GET', headers: { host: siteHost, ...headers } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
    },
    auditLines() {
      if (!existsSync(auditLog)) return [];
      return readFileSync(auditLog, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
    },
  };
}

// ---------- clamd (local signatures only) and rspamd --------------------------------------------------------

export interface Mail {
  clamd: Engine;
  rspamd: Engine;
  clamPort: number;
  rspamdPort: number;
  /** POST /checkv2 like an MTA's milter would; resolves with rspamd's JSON answer. */
  check(
    message: string,
    env: { from: string; rcpt: string; ip: string; queueId: string; hostname?: string; helo?: string },
  ): Promise<{
    action: string;
    symbols: Record<string, unknown>;
  }>;
  /** rspamd's task log lines (one per scanned message). */
  taskLines(): string[];
  /** clamd's FOUND / OK lines. */
  clamLines(): string[];
  stop(): Promise<void>;
}

export async function startMail(dir: string): Promise<Mail> {
  const d = join(dir, 'mail');
  for (const sub of ['local/override.d', 'local/local.d', 'log', 'db', 'run', 'clamdb'])
    mkdirSync(join(d, sub), { recursive: true });
  // Workers drop privileges: let them write here.
  for (const sub of ['', 'local', 'local/override.d', 'local/local.d', 'log', 'db', 'run', 'clamdb'])
    chmodSync(join(d, sub), 0o777);
  chmodSync(dir, 0o755);
  // Body signature (.ndb): the EICAR string anywhere in the scanned message. No signature is downloaded.
  const hex = Buffer.from('EICAR-STANDARD-ANTIVIRUS-TEST-FILE').toString('hex');
  writeFileSync(join(d, 'clamdb/local.ndb'), `Mamori.Test.Eicar:0:*:${hex}\n`);
  // …and the exact file by hash (.hdb), as a second local signature kind.
  const md5 = createHash('md5').update(EICAR).digest('hex');
  writeFileSync(join(d, 'clamdb/local.hdb'), `${md5}:${EICAR.length}:Mamori.Test.EicarFile\n`);
  const clamPort = await freePort();
  writeFileSync(
    join(d, 'clamd.conf'),
    [
      `DatabaseDirectory ${d}/clamdb`,
      `TCPSocket ${clamPort}`,
      'TCPAddr 127.0.0.1',
      'Foreground yes',
      `LogFile ${d}/clamd.log`,
      'LogTime yes',
      'LogClean yes',
      `PidFile ${d}/clamd.pid`,
      'User root',
      '',
    ].join('\n'),
  );
  const clamd = start('clamd', ['-c', join(d, 'clamd.conf')], d);
  const rspamdPort = await freePort();
  const controller = await freePort();
  const proxy = await freePort();
  writeFileSync(
    join(d, 'local/override.d/worker-normal.inc'),
    `bind_socket = "127.0.0.1:${rspamdPort}"; count = 1;\n`,
  );
  writeFileSync(
    join(d, 'local/override.d/worker-controller.inc'),
    `bind_socket = "127.0.0.1:${controller}"; count = 1;\n`,
  );
  writeFileSync(
    join(d, 'local/override.d/worker-proxy.inc'),
    `bind_socket = "127.0.0.1:${proxy}"; count = 1;\n`,
  );
  // DNS at a closed loopback port: RBL lookups fail fast instead of leaving the machine.
  const deadDns = await freePort();
  writeFileSync(
    join(d, 'local/local.d/options.inc'),
    `dns { nameserver = ["127.0.0.1:${deadDns}"]; timeout = 0.2s; retransmits = 1; }\n`,
  );
  writeFileSync(
    join(d, 'local/local.d/antivirus.conf'),
    `clamav {\n  type = "clamav";\n  servers = "127.0.0.1:${clamPort}";\n  symbol = "CLAM_VIRUS";\n  scan_mime_parts = false;\n  action = "reject";\n  log_clean = true;\n}\n`,
  );
  const rspamd = start(
    'rspamd',
    [
      '-f',
      '-u',
      'root',
      '-g',
      'root',
      `--var=LOCAL_CONFDIR=${d}/local`,
      `--var=LOGDIR=${d}/log`,
      `--var=DBDIR=${d}/db`,
      `--var=RUNDIR=${d}/run`,
    ],
    d,
  );
  const stop = async () => {
    await rspamd.stop();
    await clamd.stop();
  };
  try {
    await waitPort(clamPort, 60_000, clamd.proc);
    // The first start compiles rspamd's regular expressions: tens of seconds on a busy 2-core machine.
    await waitPort(rspamdPort, 240_000, rspamd.proc);
  } catch (err) {
    await stop();
    throw new Error(
      `mail engines did not start: ${String(err)}\nclamd: ${clamd.stderr()}\nrspamd: ${rspamd.stderr()}`,
      { cause: err },
    );
  }
  const readLines = (file: string, re: RegExp) =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => re.test(l))
      : [];
  return {
    clamd,
    rspamd,
    clamPort,
    rspamdPort,
    check(message, env) {
      return new Promise((resolve, reject) => {
        const body = Buffer.from(message);
        const req = request(
          {
            host: '127.0.0.1',
            port: rspamdPort,
            path: '/checkv2',
            method: 'POST',
            headers: {
              'content-length': body.length,
              IP: env.ip,
              From: env.from,
              Rcpt: env.rcpt,
              'Queue-Id': env.queueId,
              // The sending host's name as the MTA resolved it (rspamd cannot: its DNS is a closed port).
              ...(env.hostname ? { Hostname: env.hostname } : {}),
              ...(env.helo ? { Helo: env.helo } : {}),
            },
            timeout: 120_000,
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => {
              try {
                resolve(JSON.parse(text) as { action: string; symbols: Record<string, unknown> });
              } catch (e) {
                reject(new Error(`rspamd answered ${res.statusCode}: ${text.slice(0, 200)} (${String(e)})`));
              }
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    taskLines: () => readLines(join(d, 'log/rspamd.log'), /rspamd_task_write_log/),
    clamLines: () => readLines(join(d, 'clamd.log'), /FOUND|: OK/),
    stop,
  };
}

/** A plain RFC 5322 message as an MTA would hand it to rspamd (UTF-8 body, encoded subject). */
export function message(from: string, to: string, subject: string, id: string, body: string): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`,
    `Message-ID: <${id}>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    body,
    '',
  ].join('\r\n');
}
