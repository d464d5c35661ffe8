// STARTTLS dialogues for mail and file-transfer protocols: run on the plain socket, then TLS takes over.
import type { Socket } from 'node:net';
import { readUntil } from './exchange.js';

export type StarttlsProtocol = 'smtp' | 'imap' | 'pop3' | 'ftp';

export function starttlsPreamble(
  protocol: StarttlsProtocol,
  timeoutMs = 3000,
): (sock: Socket) => Promise<void> {
  return async (sock) => {
    switch (protocol) {
      case 'smtp': {
        await readUntil(sock, /^220 [^\n]*\n/m, timeoutMs);
        sock.write('EHLO mamori.invalid\r\n');
        const caps = await readUntil(sock, /^250 [^\n]*\n/m, timeoutMs);
        if (!/STARTTLS/i.test(caps)) throw new Error('STARTTLS not offered');
        sock.write('STARTTLS\r\n');
        await readUntil(sock, /^220[ -]/m, timeoutMs);
        return;
      }
      case 'imap':
        await readUntil(sock, /^\* OK/m, timeoutMs);
        sock.write('a1 STARTTLS\r\n');
        await readUntil(sock, /^a1 (OK|NO|BAD)/m, timeoutMs).then((r) => {
          if (!/^a1 OK/m.test(r)) throw new Error('STARTTLS refused');
        });
        return;
      case 'pop3':
        await readUntil(sock, /^\+OK/m, timeoutMs);
        sock.write('STLS\r\n');
        await readUntil(sock, /^[+-](OK|ERR)[^\n]*\n[\s\S]*$/m, timeoutMs).then((r) => {
          if (!/\+OK[^\n]*\n$/.test(r)) throw new Error('STLS refused');
        });
        return;
      case 'ftp':
        await readUntil(sock, /^220 [^\n]*\n/m, timeoutMs);
        sock.write('AUTH TLS\r\n');
        await readUntil(sock, /^\d{3} [^\n]*\n/m, timeoutMs).then((r) => {
          if (!/^234 /m.test(r)) throw new Error('AUTH TLS refused');
        });
        return;
    }
  };
}
