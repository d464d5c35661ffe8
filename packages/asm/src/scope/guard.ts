// The scope guard: the one place that decides whether a probe may touch a name or address.
// Every probe — port scan, fingerprint, discovery, checks, the template engine — asks `guard.check` first
// and connects only to the addresses it returns.
import { BlockList, isIP } from 'node:net';
import { TokenBucket } from './rate-limit.js';
import type { StopSwitch } from './stop-switch.js';
import { globalStopSwitch } from './stop-switch.js';
import type { OrgScope, Refusal, ScopeCheck, ScopeDecision, ScopeRoot } from './types.js';
import { inScanWindow } from './window.js';

export interface ScopeGuardOptions {
  orgs: OrgScope[];
  /** Resolves a name to addresses (A and AAAA). */
  resolve: (name: string) => Promise<string[]>;
  onRefusal?: (refusal: Refusal) => void;
  now?: () => Date;
  stopSwitch?: StopSwitch;
  /** Ignore scan windows (ad-hoc scans started by an operator by hand). */
  ignoreWindows?: boolean;
}

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*$/;

/** Lower-cases, strips a URL down to its host, brackets and a trailing dot. Returns null if not a host. */
export function normalizeTarget(target: string): string | null {
  let t = target.trim().toLowerCase();
  if (t.includes('://')) {
    try {
      t = new URL(t).hostname;
    } catch {
      return null;
    }
  }
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (t.endsWith('.')) t = t.slice(0, -1);
  if (t.startsWith('::ffff:') && isIP(t.slice(7)) === 4) t = t.slice(7);
  if (isIP(t)) return t;
  return HOSTNAME.test(t) ? t : null;
}

function parseCidr(value: string): { net: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [net, p] = value.split('/');
  const fam = net ? isIP(net) : 0;
  if (!fam) return null;
  const max = fam === 4 ? 32 : 128;
  const prefix = p === undefined ? max : Number(p);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { net: net!, prefix, family: fam === 4 ? 'ipv4' : 'ipv6' };
}

function nameUnder(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

interface CompiledOrg {
  scope: OrgScope;
  addresses: BlockList;
  excludedAddresses: BlockList;
  domains: string[];
  hostNames: Set<string>;
  excludedNames: string[];
  unverified: ScopeRoot[];
  bucket: TokenBucket | null;
}

export class ScopeError extends Error {}

export class ScopeGuard {
  private readonly orgs: CompiledOrg[];
  private readonly opts: ScopeGuardOptions;
  readonly stopSwitch: StopSwitch;
  /** The last refusals, newest last (also sent to onRefusal). */
  readonly refusals: Refusal[] = [];

  constructor(opts: ScopeGuardOptions) {
    this.opts = opts;
    this.stopSwitch = opts.stopSwitch ?? globalStopSwitch;
    this.orgs = opts.orgs.map((s) => compileOrg(s));
  }

  /** The gate. Bound, so it can be handed to other engines as a plain function. */
  readonly check: ScopeCheck = async (target, port) => {
    const d = await this.decide(target);
    if (!d.allowed) this.refuse(d.org ?? null, target, port, d.reason ?? 'refused');
    return d;
  };

  /** Like `check` but throws on refusal. */
  async require(target: string, port?: number): Promise<ScopeDecision> {
    const d = await this.check(target, port);
    if (!d.allowed) throw new ScopeError(`out of scope: ${target}: ${d.reason}`);
    return d;
  }

  /** Waits for the organization's rate limit (a no-op for orgs without one). */
  async pace(org: string | undefined): Promise<void> {
    const o = this.orgs.find((x) => x.scope.org === org);
    if (o?.bucket) await o.bucket.take();
  }

  rateOf(org: string | undefined): OrgScope['rate'] | undefined {
    return this.orgs.find((x) => x.scope.org === org)?.scope.rate;
  }

  private refuse(org: string | null, target: string, port: number | undefined, reason: string): void {
    const r: Refusal = { at: (this.opts.now?.() ?? new Date()).toISOString(), org, target, reason };
    if (port !== undefined) r.port = port;
    this.refusals.push(r);
    if (this.refusals.length > 1000) this.refusals.shift();
    this.opts.onRefusal?.(r);
  }

  private async decide(target: string): Promise<ScopeDecision> {
    if (this.stopSwitch.stopped)
      return { allowed: false, addresses: [], reason: `stopped: ${this.stopSwitch.stopReason}` };
    const t = normalizeTarget(target);
    if (t === null) return { allowed: false, addresses: [], reason: 'not a valid host name or address' };
    const now = this.opts.now?.() ?? new Date();

    if (isIP(t)) {
      const o = this.orgs.find((x) => addressIn(x, t));
      if (!o) return { allowed: false, addresses: [], reason: this.whyAddress(t) };
      if (!this.opts.ignoreWindows && !inScanWindow(o.scope.windows, now))
        return { allowed: false, org: o.scope.org, addresses: [], reason: 'outside the scan window' };
      return { allowed: true, org: o.scope.org, addresses: [t] };
    }

    const o = this.orgs.find((x) => nameIn(x, t));
    if (!o) return { allowed: false, addresses: [], reason: this.whyName(t) };
    if (!this.opts.ignoreWindows && !inScanWindow(o.scope.windows, now))
      return { allowed: false, org: o.scope.org, addresses: [], reason: 'outside the scan window' };
    let addrs: string[];
    try {
      addrs = (await this.opts.resolve(t)).map((a) => normalizeTarget(a) ?? a);
    } catch (err) {
      return {
        allowed: false,
        org: o.scope.org,
        addresses: [],
        reason: `resolution failed: ${(err as Error).message}`,
      };
    }
    if (this.stopSwitch.stopped)
      return { allowed: false, addresses: [], reason: `stopped: ${this.stopSwitch.stopReason}` };
    if (addrs.length === 0)
      return { allowed: false, org: o.scope.org, addresses: [], reason: 'name does not resolve' };
    const outside = addrs.filter((a) => !addressIn(o, a));
    if (outside.length > 0)
      return {
        allowed: false,
        org: o.scope.org,
        addresses: [],
        reason: `name resolves outside the verified scope: ${outside.join(', ')}`,
      };
    return { allowed: true, org: o.scope.org, addresses: addrs };
  }

  private whyAddress(a: string): string {
    for (const o of this.orgs) {
      if (matchesExclusionAddress(o, a)) return `address excluded by ${o.scope.org}`;
      if (o.unverified.some((r) => (r.kind === 'cidr' || r.kind === 'host') && rootCoversAddress(r, a)))
        return `address belongs to a root of ${o.scope.org} not yet verified`;
    }
    return 'address not in any verified scope';
  }

  private whyName(n: string): string {
    for (const o of this.orgs) {
      if (o.excludedNames.some((e) => nameUnder(n, e))) return `name excluded by ${o.scope.org}`;
      if (o.unverified.some((r) => (r.kind === 'domain' ? nameUnder(n, r.value) : r.value === n)))
        return `name belongs to a root of ${o.scope.org} not yet verified`;
    }
    return 'name not in any verified scope';
  }
}

function rootCoversAddress(r: ScopeRoot, a: string): boolean {
  const c = parseCidr(r.value);
  if (!c) return false;
  const bl = new BlockList();
  bl.addSubnet(c.net, c.prefix, c.family);
  return bl.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
}

function matchesExclusionAddress(o: CompiledOrg, a: string): boolean {
  return o.excludedAddresses.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
}

function addressIn(o: CompiledOrg, a: string): boolean {
  const fam = isIP(a);
  if (!fam) return false;
  const type = fam === 6 ? 'ipv6' : 'ipv4';
  return o.addresses.check(a, type) && !o.excludedAddresses.check(a, type);
}

function nameIn(o: CompiledOrg, n: string): boolean {
  if (o.excludedNames.some((e) => nameUnder(n, e))) return false;
  return o.hostNames.has(n) || o.domains.some((d) => nameUnder(n, d));
}

function compileOrg(scope: OrgScope): CompiledOrg {
  const addresses = new BlockList();
  const excludedAddresses = new BlockList();
  const domains: string[] = [];
  const hostNames = new Set<string>();
  const unverified: ScopeRoot[] = [];
  for (const r of scope.roots) {
    const v = r.kind === 'cidr' ? r.value.trim() : normalizeTarget(r.value);
    if (v === null) throw new ScopeError(`${scope.org}: invalid ${r.kind} root: ${r.value}`);
    const root = { ...r, value: v };
    if (r.verification.state !== 'verified') {
      unverified.push(root);
      continue;
    }
    if (r.kind === 'cidr' || (r.kind === 'host' && isIP(v))) {
      const c = parseCidr(v);
      if (!c) throw new ScopeError(`${scope.org}: invalid CIDR root: ${r.value}`);
      addresses.addSubnet(c.net, c.prefix, c.family);
    } else if (r.kind === 'domain') {
      if (isIP(v)) throw new ScopeError(`${scope.org}: a domain root cannot be an address: ${r.value}`);
      domains.push(v);
    } else hostNames.add(v);
  }
  const excludedNames: string[] = [];
  for (const e of scope.exclusions) {
    const c = parseCidr(e.trim());
    if (c) excludedAddresses.addSubnet(c.net, c.prefix, c.family);
    else {
      const n = normalizeTarget(e);
      if (n === null) throw new ScopeError(`${scope.org}: invalid exclusion: ${e}`);
      excludedNames.push(n);
    }
  }
  const rate = scope.rate;
  return {
    scope,
    addresses,
    excludedAddresses,
    domains,
    hostNames,
    excludedNames,
    unverified,
    bucket: rate ? new TokenBucket(rate.perSecond) : null,
  };
}

/**
 * Scope for an ad-hoc scan: exactly the named targets (names, addresses, CIDR ranges), attested by the operator
 * who typed them. A name is scanned only if every address it resolves to was named too.
 */
export function adhocScope(targets: string[], operator = 'command line'): OrgScope {
  const at = new Date().toISOString();
  const roots: ScopeRoot[] = targets.map((t) => {
    const verification = {
      method: 'attestation' as const,
      state: 'verified' as const,
      attestedBy: operator,
      at,
    };
    if (t.includes('/') && !t.includes('://')) return { kind: 'cidr' as const, value: t, verification };
    const n = normalizeTarget(t);
    if (n === null) throw new ScopeError(`not a host name, address or CIDR range: ${t}`);
    return { kind: 'host' as const, value: n, verification };
  });
  return { org: 'adhoc', roots, exclusions: [] };
}
