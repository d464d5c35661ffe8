// Linux authentication syslog payloads: sshd (accepted/failed/invalid user/preauth disconnects), sudo, su,
// and pam_unix messages. The program comes from the syslog envelope.
import type { Disposition, Endpoint, EventClass, Severity } from '@mamori/core';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser, ParseInput } from '../types.js';

const PROGRAMS = new Set([
  'sshd',
  'sudo',
  'su',
  'login',
  'systemd-logind',
  'passwd',
  'useradd',
  'userdel',
  'groupadd',
  'usermod',
  'chpasswd',
  'polkitd',
  'doas',
  'gdm-password',
  'sshd-session',
]);

function program(input: ParseInput): string | undefined {
  const app = input.envelope?.app;
  if (!app) return undefined;
  const base = app.includes('/') ? app.slice(app.lastIndexOf('/') + 1) : app;
  return PROGRAMS.has(base) ? base : undefined;
}

/** " from 1.2.3.4 port 22" → ip, port. */
function fromPort(s: string): { ip?: string; port?: number } {
  const f = s.indexOf(' from ');
  if (f < 0) return {};
  const rest = s.slice(f + 6);
  const sp = rest.indexOf(' ');
  const ip = sp < 0 ? rest : rest.slice(0, sp);
  const out: { ip?: string; port?: number } = { ip };
  const pi = rest.indexOf(' port ');
  if (pi >= 0) {
    const port = parseInt(rest.slice(pi + 6), 10);
    if (Number.isInteger(port) && port >= 0 && port <= 65535) out.port = port;
  }
  return out;
}

/** Word after `marker` up to a space. */
function wordAfter(s: string, marker: string): string | undefined {
  const i = s.indexOf(marker);
  if (i < 0) return undefined;
  const start = i + marker.length;
  const e = s.indexOf(' ', start);
  const w = s.slice(start, e < 0 ? undefined : e);
  return w.length ? w : undefined;
}

/** pam "key=value key2=value" pairs (values may be empty). */
function pamKv(s: string, key: string): string | undefined {
  const w = wordAfter(s, ` ${key}=`);
  return w && w.length > 0 ? w : undefined;
}

export const linuxAuth: FormatParser = {
  id: 'linux-auth',
  description: 'Linux auth/secure log: sshd, sudo, su, pam_unix',
  sourceKind: 'endpoint',
  input: 'text',
  sniff(input) {
    return program(input) !== undefined;
  },
  parse(input) {
    const prog = program(input) ?? input.envelope?.app ?? 'auth';
    const m = input.payload;
    if (m.length === 0) return new ParseError('linux-auth', 'empty message');
    let cls: EventClass = 'authentication';
    let activity = 'other';
    let severity: Severity = 'informational';
    let disposition: Disposition = 'unknown';
    const src: Endpoint = {};
    const dst: Endpoint = {};
    const fields: Record<string, string | number | boolean | null> = { program: prog };
    const setFrom = (s: string): void => {
      const fp = fromPort(s);
      if (fp.ip) src.ip = fp.ip;
      if (fp.port !== undefined) src.port = fp.port;
    };
    if (input.envelope?.host) dst.hostname = input.envelope.host;
    if (prog === 'sshd' || prog === 'sshd-session') {
      if (m.startsWith('Accepted ')) {
        // "Accepted publickey for alice from 1.2.3.4 port 5 ssh2: RSA SHA256:…"
        activity = 'logon';
        disposition = 'allowed';
        fields.method = m.slice(9, m.indexOf(' ', 9));
        const u = wordAfter(m, ' for ');
        if (u) dst.user = u;
        setFrom(m);
      } else if (m.startsWith('Failed ')) {
        // "Failed password for invalid user admin from … port … ssh2"
        activity = 'logon';
        disposition = 'blocked';
        severity = 'low';
        fields.method = m.slice(7, m.indexOf(' ', 7));
        const invalid = m.includes(' for invalid user ');
        if (invalid) fields.invalidUser = true;
        const u = wordAfter(m, invalid ? ' for invalid user ' : ' for ');
        if (u) dst.user = u;
        setFrom(m);
      } else if (m.startsWith('Invalid user ')) {
        activity = 'logon';
        disposition = 'blocked';
        severity = 'low';
        fields.invalidUser = true;
        const u = wordAfter(m, 'Invalid user ');
        if (u && u !== 'from') dst.user = u;
        setFrom(m);
      } else if (
        m.startsWith('error: maximum authentication attempts exceeded') ||
        m.startsWith('Disconnecting authenticating user') ||
        m.includes('Too many authentication failures')
      ) {
        activity = 'logon';
        disposition = 'blocked';
        severity = 'medium';
        fields.reason = 'max-auth-attempts';
        const u = wordAfter(m, ' for invalid user ') ?? wordAfter(m, ' for ') ?? wordAfter(m, ' user ');
        if (u) dst.user = u;
        setFrom(m);
      } else if (m.startsWith('pam_unix(sshd:auth): authentication failure')) {
        activity = 'logon';
        disposition = 'blocked';
        severity = 'low';
        const rhost = pamKv(m, 'rhost');
        if (rhost) src.ip = rhost;
        const u = pamKv(m, 'user');
        if (u) dst.user = u;
      } else if (
        m.startsWith('pam_unix(sshd:session): session opened') ||
        m.startsWith('pam_unix(sshd:session): session closed')
      ) {
        activity = m.includes('opened') ? 'session-open' : 'session-close';
        disposition = 'allowed';
        const u = wordAfter(m, ' for user ');
        if (u) dst.user = u.replace(/\(uid=\d+\)$/, '');
      } else if (
        m.startsWith('Connection closed by') ||
        m.startsWith('Disconnected from') ||
        m.startsWith('Received disconnect from') ||
        m.startsWith('Connection reset by')
      ) {
        activity = 'disconnect';
        disposition = m.includes('[preauth]') ? 'unknown' : 'allowed';
        const ip = m.includes(' from ')
          ? fromPort(m)
          : {
              ip: m
                .split(' ')
                .find((w, i, a) =>
                  a[i - 1] === 'by' || a[i - 1] === 'user'
                    ? false
                    : /^[0-9a-f.:]+$/i.test(w) && w.includes('.'),
                ),
            };
        if (ip.ip) src.ip = ip.ip;
        const pi = m.indexOf(' port ');
        if (pi >= 0) {
          const p = parseInt(m.slice(pi + 6), 10);
          if (Number.isInteger(p)) src.port = p;
        }
        if (m.includes('[preauth]')) fields.preauth = true;
      } else {
        fields.message = m.slice(0, 512);
      }
    } else if (prog === 'sudo' || prog === 'doas') {
      // "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"
      // "alice : 3 incorrect password attempts ; TTY=… ; COMMAND=…" / "alice : user NOT in sudoers ; …"
      const c = m.indexOf(' : ');
      if (c > 0) {
        src.user = m.slice(0, c).trim();
        const parts = m.slice(c + 3).split(' ; ');
        let problem: string | undefined;
        for (const part of parts) {
          const eq = part.indexOf('=');
          const k = eq > 0 ? part.slice(0, eq) : '';
          if (k === 'TTY') fields.tty = part.slice(eq + 1);
          else if (k === 'PWD') fields.cwd = part.slice(eq + 1).slice(0, 1024);
          else if (k === 'USER') dst.user = part.slice(eq + 1);
          else if (k === 'COMMAND') fields.command = part.slice(eq + 1).slice(0, 2048);
          else if (eq < 0 && part.length) problem = part;
        }
        activity = 'sudo';
        if (problem) {
          fields.reason = problem.slice(0, 256);
          disposition = 'blocked';
          severity = problem.includes('NOT in sudoers') ? 'medium' : 'low';
        } else disposition = 'allowed';
      } else if (m.startsWith('pam_unix(sudo:auth): authentication failure')) {
        activity = 'sudo';
        disposition = 'blocked';
        severity = 'low';
        const u = pamKv(m, 'ruser') ?? pamKv(m, 'logname');
        if (u) src.user = u;
        const t = pamKv(m, 'user');
        if (t) dst.user = t;
      } else if (m.startsWith('pam_unix(sudo:session)')) {
        activity = m.includes('opened') ? 'session-open' : 'session-close';
        disposition = 'allowed';
        const u = wordAfter(m, ' for user ');
        if (u) dst.user = u.replace(/\(uid=\d+\)$/, '');
      } else fields.message = m.slice(0, 512);
    } else if (prog === 'su') {
      // "(to root) alice on pts/0" / "FAILED SU (to root) alice on pts/0"
      const failed = m.startsWith('FAILED SU ') || m.startsWith('FAILED su ');
      const to = m.indexOf('(to ');
      if (to >= 0) {
        activity = 'su';
        const close = m.indexOf(')', to);
        dst.user = m.slice(to + 4, close);
        const after = m.slice(close + 2).split(' ');
        if (after[0]) src.user = after[0];
        if (after[2]) fields.tty = after[2];
        disposition = failed ? 'blocked' : 'allowed';
        severity = failed ? 'low' : 'informational';
      } else if (
        m.startsWith('pam_unix(su:auth): authentication failure') ||
        m.startsWith('pam_unix(su-l:auth): authentication failure')
      ) {
        activity = 'su';
        disposition = 'blocked';
        severity = 'low';
        const u = pamKv(m, 'ruser');
        if (u) src.user = u;
        const t = pamKv(m, 'user');
        if (t) dst.user = t;
      } else fields.message = m.slice(0, 512);
    } else {
      if (/authentication failure|FAILED LOGIN/i.test(m)) {
        activity = 'logon';
        disposition = 'blocked';
        severity = 'low';
      } else if (prog === 'useradd' || prog === 'userdel' || prog === 'usermod' || prog === 'groupadd') {
        activity = 'account-change';
        disposition = 'allowed';
        severity = 'medium';
        cls = 'authentication';
      }
      fields.message = m.slice(0, 512);
    }
    return makeEvent(input, {
      class: cls,
      activity,
      severity,
      disposition,
      sourceKind: 'endpoint',
      format: 'linux-auth',
      device: { name: input.envelope?.host, vendor: 'Linux', product: prog },
      src,
      dst,
      fields,
    });
  },
};
