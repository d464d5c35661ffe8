// Small active confirmations behind the unauthenticated-access checks. Each opens one connection to an
// address that already passed the scope gate, sends one harmless read-only request and reads the answer.
import { exchange } from '../fingerprint/exchange.js';

function bsonCommand(fields: Array<[string, number | string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of fields) {
    const key = Buffer.from(`${k}\u0000`, 'utf8');
    if (typeof v === 'number') {
      const n = Buffer.alloc(4);
      n.writeInt32LE(v);
      parts.push(Buffer.from([0x10]), key, n);
    } else {
      const s = Buffer.from(`${v}\u0000`, 'utf8');
      const len = Buffer.alloc(4);
      len.writeInt32LE(s.length);
      parts.push(Buffer.from([0x02]), key, len, s);
    }
  }
  const body = Buffer.concat(parts);
  const doc = Buffer.alloc(4);
  doc.writeInt32LE(body.length + 5);
  return Buffer.concat([doc, body, Buffer.from([0])]);
}

/** OP_MSG with one body section (MongoDB wire protocol 3.6+). */
export function mongoOpMsg(fields: Array<[string, number | string]>): Buffer {
  const doc = bsonCommand(fields);
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + doc.length, 0);
  header.writeInt32LE(2, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(2013, 12);
  header.writeInt32LE(0, 16);
  header[20] = 0;
  return Buffer.concat([header, doc]);
}

export async function mongoListDatabases(
  address: string,
  port: number,
  timeoutMs = 3000,
): Promise<{ open: boolean; evidence: string }> {
  const r = await exchange({
    address,
    port,
    send: mongoOpMsg([
      ['listDatabases', 1],
      ['nameOnly', 1],
      ['$db', 'admin'],
    ]),
    timeoutMs,
    idleMs: 200,
  });
  const text = r.data.toString('latin1');
  const names = [...text.matchAll(/\x02name\x00[\s\S]{4}([^\x00]{1,64})\x00/g)].map((m) => m[1]!);
  const open = text.includes('databases') && !/Unauthorized|requires authentication/.test(text);
  return {
    open,
    evidence: open ? `listDatabases without credentials → ${names.join(', ') || '(list returned)'}` : '',
  };
}

export async function memcachedStats(
  address: string,
  port: number,
  timeoutMs = 3000,
): Promise<{ open: boolean; evidence: string }> {
  const r = await exchange({ address, port, send: Buffer.from('stats\r\n'), timeoutMs, idleMs: 200 });
  const text = r.data.toString('latin1');
  const v = /STAT version (\S+)/.exec(text)?.[1];
  return { open: text.startsWith('STAT '), evidence: `stats without credentials → STAT version ${v ?? '?'}` };
}

export async function ftpAnonymous(
  address: string,
  port: number,
  timeoutMs = 5000,
): Promise<{ open: boolean; evidence: string }> {
  // One connection, one dialogue: banner, USER anonymous, PASS, then quit.
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const sock = connect({ host: address, port });
    let buf = '';
    let step = 0;
    const transcript: string[] = [];
    const finish = (open: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ open, evidence: transcript.join(' | ').slice(0, 300) });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('error', () => finish(false));
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const lines = buf.split('\r\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        if (!/^\d{3} /.test(line)) continue;
        transcript.push(line.slice(0, 80));
        const code = line.slice(0, 3);
        if (step === 0 && code === '220') {
          step = 1;
          transcript.push('USER anonymous');
          sock.write('USER anonymous\r\n');
        } else if (step === 1 && code === '331') {
          step = 2;
          transcript.push('PASS ****');
          sock.write('PASS mamori-asm@example.invalid\r\n');
        } else if (step === 1 && code === '230') {
          sock.write('QUIT\r\n');
          return finish(true);
        } else if (step === 2) {
          sock.write('QUIT\r\n');
          return finish(code === '230');
        } else return finish(false);
      }
    });
  });
}
