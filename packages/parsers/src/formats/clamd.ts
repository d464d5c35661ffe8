// ClamAV: clamd log lines ("<ctime> -> <path>: <Sig> FOUND"), clamd via syslog ("clamd[1]: <path>: <Sig> FOUND")
// and clamscan output ("<path>: <Sig> FOUND" / "<path>: OK").
import type { Endpoint } from '@mamori/core';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser, ParseInput } from '../types.js';
import { parseCtime } from '../util.js';

function body(input: ParseInput): { time?: number; text: string } {
  const p = input.payload;
  // clamd LogFile with LogTime: "Wed Nov 25 20:18:46 2026 -> …"
  if (p.length > 28 && p[24] === ' ' && p.startsWith('-> ', 25)) {
    const t = parseCtime(p.slice(0, 24), input.options.tzOffsetMinutes);
    if (!Number.isNaN(t)) return { time: t, text: p.slice(28) };
  }
  if (p.startsWith('-> ')) return { text: p.slice(3) };
  return { text: p };
}

export const clamd: FormatParser = {
  id: 'clamd',
  description: 'ClamAV clamd log / clamscan output (FOUND and OK lines)',
  sourceKind: 'mail',
  input: 'text',
  sniff(input) {
    const app = input.envelope?.app;
    if (app === 'clamd' || app === 'clamav-milter' || app === 'clamscan') return true;
    // Another program's syslog line that happens to end in "FOUND" or ": OK" is not a scan result.
    if (app !== undefined) return false;
    const { text } = body(input);
    return (
      (text.endsWith(' FOUND') || text.endsWith(': OK')) && text.indexOf(': ') > 0 && !text.includes('=')
    );
  },
  parse(input) {
    const { time, text } = body(input);
    if (text.length === 0) return new ParseError('clamd', 'empty message');
    const found = text.endsWith(' FOUND');
    const ok = text.endsWith(': OK');
    const fields: Record<string, string | number | boolean | null> = {};
    const src: Endpoint = {};
    if (!found && !ok) {
      // Service messages (SelfCheck, Listening daemon, …) are valid lines with no verdict.
      fields.message = text.slice(0, 512);
      return makeEvent(input, {
        time,
        class: 'file_activity',
        activity: 'service',
        severity: 'informational',
        disposition: 'unknown',
        sourceKind: 'mail',
        format: 'clamd',
        device: { vendor: 'Cisco', product: 'ClamAV' },
        fields,
      });
    }
    const sep = found ? text.lastIndexOf(': ', text.length - 6) : text.length - 4;
    if (sep <= 0) return new ParseError('clamd', 'no "<object>: <result>" separator');
    const object = text.slice(0, sep);
    // INSTREAM scans name the client: "instream(127.0.0.1@37564)"
    if (object.startsWith('instream(') && object.endsWith(')')) {
      const inner = object.slice(9, -1);
      const at = inner.lastIndexOf('@');
      if (at > 0) {
        src.ip = inner.slice(0, at);
        const port = Number(inner.slice(at + 1));
        if (Number.isInteger(port)) src.port = port;
      }
      fields.stream = true;
    } else fields.path = object.slice(0, 2048);
    if (!found) {
      return makeEvent(input, {
        time,
        class: 'file_activity',
        activity: 'scan',
        severity: 'informational',
        disposition: 'allowed',
        sourceKind: 'mail',
        format: 'clamd',
        device: { vendor: 'Cisco', product: 'ClamAV' },
        src,
        fields,
      });
    }
    const sig = text.slice(sep + 2, text.length - 6);
    if (sig.length === 0) return new ParseError('clamd', 'FOUND without a signature name');
    fields.signature = sig;
    if (sig.endsWith('.UNOFFICIAL')) fields.unofficial = true;
    return makeEvent(input, {
      time,
      class: 'detection_finding',
      activity: 'malware',
      severity: 'high',
      disposition: 'detected',
      sourceKind: 'mail',
      format: 'clamd',
      device: { vendor: 'Cisco', product: 'ClamAV' },
      src,
      rule: { id: sig, name: sig, category: 'malware' },
      fields,
    });
  },
};
