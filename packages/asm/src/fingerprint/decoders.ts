// Version decoders for binary replies, named by `decode:` in the probe data.
import { decodeMessage } from '../dns/codec.js';

export type Decoded = { version?: string; product?: string; cpe?: string };

export const decoders: Record<string, (reply: Buffer) => Decoded> = {
  'mariadb-version': (reply) => {
    // "5.5.5-10.11.6-MariaDB-0+deb12u1": the 5.5.5- prefix is a compatibility shim, the real version follows.
    const end = reply.indexOf(0, 5);
    const raw = reply.toString('latin1', 5, end > 5 ? end : undefined);
    const m = /^(?:5\.5\.5-)?(\d+\.\d+\.\d+)/.exec(raw);
    return m ? { version: m[1]! } : {};
  },
  'mssql-version': (reply) => {
    // PRELOGIN response: option table at offset 8; VERSION (token 0) points at major, minor, build (BE).
    let pos = 8;
    while (pos + 5 <= reply.length && reply[pos] !== 0xff) {
      if (reply[pos] === 0) {
        const off = 8 + reply.readUInt16BE(pos + 1);
        if (off + 4 <= reply.length)
          return { version: `${reply[off]}.${reply[off + 1]}.${reply.readUInt16BE(off + 2)}` };
      }
      pos += 5;
    }
    return {};
  },
  'smb2-dialect': (reply) => {
    // NEGOTIATE response: DialectRevision at 4 (NetBIOS) + 64 (header) + 4.
    if (reply.length < 74) return {};
    const d = reply.readUInt16LE(72);
    const names: Record<number, string> = {
      0x0202: '2.0.2',
      0x0210: '2.1',
      0x0300: '3.0',
      0x0302: '3.0.2',
      0x0311: '3.1.1',
    };
    return { version: `dialect ${names[d] ?? d.toString(16)}` };
  },
  'dns-version': (reply) => {
    try {
      const msg = decodeMessage(reply.subarray(2));
      const txt = msg.answers.find((r) => r.type === 'TXT')?.data;
      if (!txt) return {};
      const bind = /^(\d+\.\d+\.\d+)/.exec(txt);
      if (bind)
        return { product: 'ISC BIND', version: bind[1]!, cpe: `cpe:2.3:a:isc:bind:${bind[1]}:*:*:*:*:*:*:*` };
      const m = /^(\S+?)[ -/]?v?(\d+(?:\.\d+)+)/.exec(txt);
      return m ? { product: m[1]!, version: m[2]! } : { product: txt.slice(0, 60) };
    } catch {
      return {};
    }
  },
};
