// Ownership verification by DNS TXT: the organization publishes `mamori-verification=<token>` at
// `_mamori-challenge.<domain>`; we look it up and mark the root verified or failed.
import type { ScopeRoot } from './types.js';

export const CHALLENGE_LABEL = '_mamori-challenge';

export async function verifyDnsTxt(
  root: ScopeRoot,
  txt: (name: string) => Promise<string[]>,
  now: Date = new Date(),
): Promise<ScopeRoot> {
  if (root.kind !== 'domain' && root.kind !== 'host')
    throw new Error('DNS TXT verification needs a domain or host root');
  const token = root.verification.token;
  if (!token) throw new Error(`root ${root.value} has no verification token`);
  let records: string[];
  try {
    records = await txt(`${CHALLENGE_LABEL}.${root.value}`);
  } catch {
    records = [];
  }
  const ok = records.some((r) => r.trim() === `mamori-verification=${token}`);
  return {
    ...root,
    verification: {
      ...root.verification,
      method: 'dns-txt',
      state: ok ? 'verified' : 'failed',
      at: now.toISOString(),
    },
  };
}

export function attest(root: ScopeRoot, by: string, now: Date = new Date()): ScopeRoot {
  if (!by.trim()) throw new Error('attestation needs the name of who attests');
  return {
    ...root,
    verification: { method: 'attestation', state: 'verified', attestedBy: by, at: now.toISOString() },
  };
}
