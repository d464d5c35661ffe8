// Asset inventory diff between two discovery runs: new, changed and vanished assets.
export interface Asset {
  /** A host name or address, or host:port/transport for a service. */
  key: string;
  kind: 'name' | 'address' | 'service';
  /** What defines "changed": addresses for a name, product/version for a service. */
  fingerprint: string;
}

export interface AssetDiff {
  added: Asset[];
  changed: Array<{ before: Asset; after: Asset }>;
  vanished: Asset[];
  unchanged: number;
}

export function diffAssets(before: Asset[], after: Asset[]): AssetDiff {
  const b = new Map(before.map((a) => [`${a.kind}:${a.key}`, a]));
  const out: AssetDiff = { added: [], changed: [], vanished: [], unchanged: 0 };
  const seen = new Set<string>();
  for (const a of after) {
    const k = `${a.kind}:${a.key}`;
    seen.add(k);
    const prev = b.get(k);
    if (!prev) out.added.push(a);
    else if (prev.fingerprint !== a.fingerprint) out.changed.push({ before: prev, after: a });
    else out.unchanged++;
  }
  for (const [k, a] of b) if (!seen.has(k)) out.vanished.push(a);
  return out;
}
