// Registered sources: a sender (peer address or CIDR range, or the name in its TLS client certificate) bound to
// a log format and an organization. The most specific binding wins: a certificate name, then the longest prefix.
import { isIP, BlockList } from 'node:net';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { MamoriError } from '@mamori/core';
import { load as parseYaml } from 'js-yaml';

export interface SourceBinding {
  /** An address or CIDR range ("192.0.2.10", "10.1.0.0/16", "2001:db8::/32"); or absent when `cert` is given. */
  source?: string;
  /** Subject common name (or a DNS subject alternative name) of the sender's TLS client certificate. */
  cert?: string;
  /** Parser id forced for this sender's lines. */
  format?: string;
  /** Organization the sender's events belong to (an id; the file may give a 6-digit code, resolved at load). */
  organizationId?: string;
  /** The registration it comes from (soc_syslog_sources), absent for configuration entries. */
  id?: string;
}

export interface Binding {
  format?: string;
  organizationId?: string;
  id?: string;
}

interface RangeEntry {
  list: BlockList;
  prefix: number;
  family: 'ipv4' | 'ipv6';
  binding: Binding;
}

/** IPv4-mapped IPv6 peers (dual-stack sockets) are looked up as IPv4. */
export function normalizePeer(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export class SourceBindings {
  private ranges: RangeEntry[] = [];
  private certs = new Map<string, Binding>();
  private readonly cache = new Map<string, Binding | null>();
  private gen = 0;
  private sorted = true;

  constructor(bindings: readonly SourceBinding[] = []) {
    for (const b of bindings) this.add(b);
  }

  get size(): number {
    return this.ranges.length + this.certs.size;
  }

  /** Changes with every add/replace: open connections look their binding up again when it moved. */
  get generation(): number {
    return this.gen;
  }

  /**
   * Swaps the whole set at once (registrations changed while the listeners run). Built aside first: an
   * invalid entry leaves the current set untouched.
   */
  replace(bindings: readonly SourceBinding[]): void {
    const next = new SourceBindings(bindings);
    this.ranges = next.ranges;
    this.sorted = next.sorted;
    this.certs = next.certs;
    this.cache.clear();
    this.gen++;
  }

  add(b: SourceBinding): void {
    const binding: Binding = {
      ...(b.format ? { format: b.format } : {}),
      ...(b.organizationId ? { organizationId: b.organizationId } : {}),
      ...(b.id ? { id: b.id } : {}),
    };
    if (b.cert) {
      this.certs.set(b.cert.toLowerCase(), binding);
    } else if (b.source) {
      const [addr, bits] = b.source.split('/') as [string, string | undefined];
      const v = isIP(addr);
      if (v === 0) throw new MamoriError('MAMORI_VALIDATION', { reason: `not an address: ${b.source}` });
      const max = v === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
        throw new MamoriError('MAMORI_VALIDATION', { reason: `bad prefix length in ${b.source}` });
      const family = v === 4 ? 'ipv4' : 'ipv6';
      const list = new BlockList();
      list.addSubnet(addr, prefix, family);
      this.ranges.push({ list, prefix, family, binding });
      // Sorted once before the next lookup, not per entry (thousands of registrations load at once).
      this.sorted = false;
    } else {
      throw new MamoriError('MAMORI_VALIDATION', { reason: 'a source binding needs "source" or "cert"' });
    }
    this.cache.clear();
    this.gen++;
  }

  /** The binding for a peer (and its certificate names, for TLS), or undefined. */
  lookup(peer: string, certNames: readonly string[] = []): Binding | undefined {
    for (const n of certNames) {
      const b = this.certs.get(n.toLowerCase());
      if (b) return b;
    }
    const hit = this.cache.get(peer);
    if (hit !== undefined) return hit ?? undefined;
    if (!this.sorted) {
      this.ranges.sort((x, y) => y.prefix - x.prefix);
      this.sorted = true;
    }
    const v = isIP(peer);
    let found: Binding | null = null;
    if (v !== 0) {
      const family = v === 4 ? 'ipv4' : 'ipv6';
      for (const r of this.ranges) {
        if (r.family === family && r.list.check(peer, family)) {
          found = r.binding;
          break;
        }
      }
    }
    if (this.cache.size > 10000) this.cache.clear();
    this.cache.set(peer, found);
    return found ?? undefined;
  }
}

/**
 * Reads a bindings file (JSON or YAML: a list of { source | cert, format?, organization? }). `organization`
 * may be an id or a 全国地方公共団体コード; `resolveOrg` turns it into an id (and fails for an unknown one).
 */
export async function loadBindingsFile(
  file: string,
  resolveOrg: (idOrCode: string) => Promise<string>,
): Promise<SourceBinding[]> {
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new MamoriError('MAMORI_CONFIG_INVALID', {
      reason: `soc.syslog.sourcesFile ${file}: ${(err as Error).message}`,
    });
  }
  if (!Array.isArray(raw))
    throw new MamoriError('MAMORI_CONFIG_INVALID', {
      reason: `soc.syslog.sourcesFile ${file}: expected a list`,
    });
  const out: SourceBinding[] = [];
  for (const [i, item] of raw.entries()) {
    const e = item as Record<string, unknown>;
    const bad = (why: string) =>
      new MamoriError('MAMORI_CONFIG_INVALID', {
        reason: `soc.syslog.sourcesFile ${file} item ${i}: ${why}`,
      });
    if (e === null || typeof e !== 'object') throw bad('expected an object');
    for (const k of Object.keys(e))
      if (!['source', 'cert', 'format', 'organization'].includes(k)) throw bad(`unknown key "${k}"`);
    const b: SourceBinding = {};
    if (typeof e.source === 'string') b.source = e.source;
    if (typeof e.cert === 'string') b.cert = e.cert;
    if (typeof e.format === 'string') b.format = e.format;
    if (e.organization !== undefined) b.organizationId = await resolveOrg(String(e.organization));
    if (!b.source && !b.cert) throw bad('needs "source" or "cert"');
    out.push(b);
  }
  return out;
}
