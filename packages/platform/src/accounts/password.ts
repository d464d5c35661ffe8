// Passwords: argon2id with the OWASP-recommended minimum cost (19 MiB, 2 passes), and a length policy.
import argon2 from 'argon2';
import { MamoriError } from '@mamori/core';

const options = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, options);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | null = null;
/** Spends the same time as a real check when the user does not exist, so timing does not reveal user names. */
export async function verifyDummy(password: string): Promise<void> {
  dummy ??= hashPassword('mamori-dummy-password-for-timing');
  await verifyPassword(await dummy, password);
}

export function checkPasswordPolicy(password: unknown, minLength: number, username?: string): string {
  if (typeof password !== 'string')
    throw new MamoriError('MAMORI_PASSWORD_POLICY', { reason: 'password is required' });
  if ([...password].length < minLength) {
    throw new MamoriError('MAMORI_PASSWORD_POLICY', { reason: `at least ${minLength} characters` });
  }
  if (password.length > 1024)
    throw new MamoriError('MAMORI_PASSWORD_POLICY', { reason: 'at most 1024 characters' });
  if (username && password.toLowerCase().includes(username.toLowerCase())) {
    throw new MamoriError('MAMORI_PASSWORD_POLICY', { reason: 'must not contain the user name' });
  }
  return password;
}
