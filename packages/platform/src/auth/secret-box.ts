// Seals secrets the platform must read back (TOTP seeds) with AES-256-GCM, so a copy of the database alone
// does not give an attacker every account's second factor. The key comes from auth.secretKey (shared by all
// nodes of a distributed deployment) or, on the embedded default, a key file created once under dataDir.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MamoriError, type MamoriConfig } from '@mamori/core';

const PREFIX = 'v1:';

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('secret key must be 32 bytes');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${body.toString('base64')}`;
  }

  /** Opens a sealed value; a value stored before sealing existed is returned as it is. */
  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [iv, tag, body] = stored.slice(PREFIX.length).split(':');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv ?? '', 'base64'));
      decipher.setAuthTag(Buffer.from(tag ?? '', 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body ?? '', 'base64')), decipher.final()]).toString(
        'utf8',
      );
    } catch (err) {
      throw new MamoriError(
        'MAMORI_CONFIG_INVALID',
        { reason: 'a sealed secret cannot be opened with this auth.secretKey (was the key changed?)' },
        undefined,
        { cause: err },
      );
    }
  }
}

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) {
    throw new MamoriError('MAMORI_CONFIG_INVALID', {
      reason: `${where} must be 32 bytes in base64 (e.g. openssl rand -base64 32)`,
    });
  }
  return key;
}

export function secretBoxFor(config: MamoriConfig): SecretBox {
  if (config.auth.secretKey) return new SecretBox(decodeKey(config.auth.secretKey, 'auth.secretKey'));
  const file = join(config.dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // 'wx' fails if another process created it first; then that one's key is read below.
    try {
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    chmodSync(file, 0o600);
  }
  return new SecretBox(decodeKey(readFileSync(file, 'utf8'), file));
}
