// Test support for the SOC detection/alert tests: SocEvents from real log lines (the real parsers), a real
// SMTP server on loopback (smtp-server, RFC 5321) that keeps what it receives, and a webhook receiver.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { isParseError, parseLine } from '@mamori/parsers';
import type { SocEvent } from '../src/index.js';
import { writeEventColumns } from '../src/soc/pipeline/row.js';
import { eventColumns, type Value } from '../src/soc/pipeline/store.js';

let seq = 0;

/** `n` sshd failures for one account from one address, a second apart from `t0` (received as they happened). */
export function failedLogons(
  n: number,
  t0: number,
  o: { organizationId: string | null; prefectureId: string },
): SocEvent[] {
  return Array.from({ length: n }, (_, i) =>
    lineEvent('linux-auth', sshFail('soumu', '192.0.2.77', i), {
      time: t0 + i * 1000,
      organizationId: o.organizationId,
      prefectureId: o.prefectureId,
      receivedAt: t0 + i * 1000,
    }),
  );
}

/** The soc_events row of `e` as one array, in eventColumns order (what the pipeline writes as columns). */
export function eventRow(e: SocEvent): Value[] {
  const cols: Value[][] = eventColumns.map(() => []);
  writeEventColumns(e, cols, 0);
  return cols.map((c) => c[0]!);
}

/**
 * The soc_events row the pipeline commits for `e` (its eventRow, by column name). With `fieldsJson`, the parsed
 * parts as JSON too, as rows stored before migration 0005 carry them.
 */
export function storedEventRow(e: SocEvent, o: { fieldsJson?: boolean } = {}) {
  const values = eventRow(e);
  const row = Object.fromEntries(eventColumns.map((c, i) => [c, values[i]])) as Record<
    (typeof eventColumns)[number],
    Value
  > & { fields_json?: string };
  if (o.fieldsJson)
    row.fields_json = JSON.stringify({
      device: e.device,
      src: e.src,
      dst: e.dst,
      rule: e.rule,
      fields: e.fields,
    });
  return row;
}

/** A SocEvent from one real log line, with the time and attribution the test wants. */
export function lineEvent(
  format: string,
  line: string,
  o: { time: number; organizationId: string | null; prefectureId: string; receivedAt?: number },
): SocEvent {
  const parsed = parseLine(line, format as never);
  if (isParseError(parsed)) throw new Error(`test line does not parse: ${parsed.reason}`);
  return {
    ...parsed,
    time: new Date(o.time).toISOString(),
    id: `ev-${process.pid}-${++seq}`,
    organizationId: o.organizationId,
    unattributedReason: o.organizationId === null ? 'no attribution rule matched' : null,
    prefectureId: o.prefectureId,
    receivedAt: o.receivedAt ?? Date.now(),
  };
}

export interface Smtp {
  port: number;
  messages: ParsedMail[];
  /** Envelope recipients of each message, in order. */
  rcpts: string[][];
  waitFor(n: number, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 (no TLS, no auth: loopback only). */
export async function startSmtp(): Promise<Smtp> {
  const messages: ParsedMail[] = [];
  const rcpts: string[][] = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          rcpts.push(session.envelope.rcptTo.map((r) => r.address));
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    rcpts,
    async waitFor(n, ms = 10_000) {
      const end = Date.now() + ms;
      while (messages.length < n) {
        if (Date.now() > end) throw new Error(`expected ${n} mails, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface Hook {
  url: string;
  requests: Array<{ headers: IncomingMessage['headers']; body: string; status: number }>;
  /** Statuses to answer, in order (then 200). */
  script: number[];
  close(): Promise<void>;
}

export async function startHook(): Promise<Hook> {
  const hook: Hook = { url: '', requests: [], script: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = hook.script.shift() ?? 200;
      hook.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mamori`;
  hook.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return hook;
}

export const sshFail = (user: string, ip: string, n: number) =>
  `Nov 25 12:00:${String(n % 60).padStart(2, '0')} web01 sshd[${3000 + n}]: Failed password for ${user} from ${ip} port ${40000 + n} ssh2`;

export const suricataAlert = (sid: number, signature: string, dest: string) =>
  JSON.stringify({
    timestamp: '2026-11-25T10:15:02.123456+0900',
    flow_id: 1234567890123456,
    in_iface: 'eth0',
    event_type: 'alert',
    src_ip: '203.0.113.45',
    src_port: 51544,
    dest_ip: dest,
    dest_port: 80,
    proto: 'TCP',
    alert: {
      action: 'blocked',
      gid: 1,
      signature_id: sid,
      rev: 3,
      signature,
      category: 'Attempted Administrator Privilege Gain',
      severity: 1,
    },
    app_proto: 'http',
    host: 'ips-pref-01',
  });

export const rspamdVirus = (virus: string, rcpt: string, n: number) =>
  `Nov 25 11:12:00 mx01 rspamd[1200]: <8b3c4d>; task; rspamd_task_write_log: id: <virus-${n}@example.org>, qid: <4Nx8Qk7j8Bz${n}>, ip: 198.51.100.43, from: <billing@example.org>, (default: T (reject): [20.00/15.00] [CLAM_VIRUS(20.00){${virus};}]), len: 2048, time: 30.0ms, dns req: 0, digest: <00112233445566778899aabbccddeeff>, rcpts: <${rcpt}>, mime_rcpts: <${rcpt}>`;

export const squidDenied = (client: string, url: string) =>
  `1795637891.821      0 ${client} TCP_DENIED/403 3445 GET ${url} - HIER_NONE/- text/html`;

export const squidAllowed = (client: string, url: string) =>
  `1795637891.821      0 ${client} TCP_MISS/200 3445 GET ${url} - HIER_DIRECT/192.0.2.80 text/plain`;

export const accessLine = (client: string, path: string) =>
  `${client} - - [25/Nov/2026:20:17:36 +0000] "GET ${path} HTTP/1.1" 200 3 "-" "curl/7.88.1"`;
