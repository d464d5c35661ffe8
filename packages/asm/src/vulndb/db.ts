// In-memory vulnerability database with a serialisable index (the platform persists it later).
import { isWildcard, normalizeName, parseCpe } from './cpe.js';
import { detectKind, fromCve5, fromNvd, kevEntries } from './importers.js';
import type { FeedKind } from './importers.js';
import type {
  AffectStatus,
  AffectedProduct,
  KevEntry,
  ProductQuery,
  VersionRange,
  VulnMatch,
  VulnRecord,
} from './types.js';
import { compareVersions } from './version.js';

export interface ImportStats {
  kind: FeedKind;
  added: number;
  updated: number;
  unchanged: number;
  rejected: number;
  kev: number;
  errors: string[];
}

export interface SerializedVulnDb {
  format: 'mamori-vulndb';
  version: 1;
  kevCatalogVersion?: string;
  records: VulnRecord[];
  kev: KevEntry[];
}

/**
 * Distribution builds keep the upstream version number and backport fixes ("OpenSSH_8.4p1 Debian-5+deb11u3",
 * "2.4.37-51.el8", "1.1.1f-1ubuntu2.20"): a range match on the upstream number is then only "potential".
 */
export function splitDistroVersion(v: string): { upstream: string; distro?: string } {
  const s = v.trim();
  const patterns: Array<[RegExp, string]> = [
    [/[+~.-]?deb\d+u\d+|\bdebian\b|[-.+]debian/i, 'Debian'],
    [/ubuntu/i, 'Ubuntu'],
    [/\.el\d+(_\d+)?\b|\brhel\b|red ?hat|centos|rocky|alma/i, 'RHEL'],
    [/\.amzn\d/i, 'Amazon Linux'],
    [/\bsuse\b|\.sles?\d|opensuse/i, 'SUSE'],
    [/\.fc\d+\b|fedora/i, 'Fedora'],
    [/\balpine\b|-r\d+$/i, 'Alpine'],
    [/\bfreebsd\b/i, 'FreeBSD'],
    [/\braspbian\b/i, 'Raspbian'],
  ];
  const distro = patterns.find(([re]) => re.test(s))?.[1];
  const first = s.split(/\s+/)[0] ?? s;
  if (!distro) return { upstream: first };
  // Upstream: the first token without epoch and without the package revision (after the last '-').
  const noEpoch = first.replace(/^\d+:/, '');
  const dash = noEpoch.lastIndexOf('-');
  const upstream = dash > 0 ? noEpoch.slice(0, dash) : noEpoch;
  return distro ? { upstream, distro } : { upstream };
}

function inRange(r: VersionRange, v: string): boolean {
  if (r.exact !== undefined) return compareVersions(v, r.exact, r.scheme) === 0;
  if (r.start !== undefined) {
    const c = compareVersions(v, r.start, r.scheme);
    if (c < 0 || (c === 0 && !r.startIncluding)) return false;
  }
  if (r.end !== undefined) {
    const c = compareVersions(v, r.end, r.scheme);
    if (c > 0 || (c === 0 && !r.endIncluding)) return false;
  }
  return true;
}

function statusFor(a: AffectedProduct, v: string): AffectStatus {
  let affected = false;
  for (const r of a.ranges) {
    if (!inRange(r, v)) continue;
    if (r.status === 'unaffected') return 'unaffected';
    let st: 'affected' | 'unaffected' = 'affected';
    if (r.changes) {
      // The last change at or below v decides.
      const applicable = r.changes
        .filter((c) => compareVersions(v, c.at, r.scheme) >= 0)
        .sort((x, y) => compareVersions(x.at, y.at, r.scheme));
      const last = applicable[applicable.length - 1];
      if (last) st = last.status;
    }
    if (st === 'unaffected') return 'unaffected';
    affected = true;
  }
  if (affected) return 'affected';
  if (a.allVersions) return 'affected';
  return a.defaultStatus;
}

export class VulnDb {
  private readonly records = new Map<string, VulnRecord>();
  private readonly kev = new Map<string, KevEntry>();
  private readonly byProduct = new Map<string, Set<string>>();
  kevCatalogVersion?: string;

  get size(): number {
    return this.records.size;
  }
  get kevSize(): number {
    return this.kev.size;
  }

  get(id: string): (VulnRecord & { kev?: KevEntry }) | undefined {
    const r = this.records.get(id);
    return r ? { ...r, kev: this.kev.get(id) } : undefined;
  }

  private index(r: VulnRecord): void {
    for (const a of r.affected) {
      for (const key of [`${a.vendor}:${a.product}`, `*:${a.product}`]) {
        let set = this.byProduct.get(key);
        if (!set) this.byProduct.set(key, (set = new Set()));
        set.add(r.id);
      }
    }
  }

  private reindex(): void {
    this.byProduct.clear();
    for (const r of this.records.values()) this.index(r);
  }

  /** Insert or update from one source; an older copy from the same source never replaces a newer one. */
  upsert(incoming: VulnRecord, source: 'cve5' | 'nvd'): 'added' | 'updated' | 'unchanged' {
    const cur = this.records.get(incoming.id);
    if (!cur) {
      this.records.set(incoming.id, incoming);
      this.index(incoming);
      return 'added';
    }
    const have = cur.modified[source];
    const got = incoming.modified[source] ?? '';
    if (have !== undefined && have !== '' && got !== '' && got < have) return 'unchanged';
    if (have !== undefined && have === got && got !== '') return 'unchanged';
    const keep = cur.affected.filter((a) => (source === 'nvd' ? a.origin !== 'nvd' : a.origin === 'nvd'));
    const merged: VulnRecord = {
      id: cur.id,
      published: cur.published ?? incoming.published,
      modified: { ...cur.modified, [source]: got },
      summary: source === 'cve5' ? (incoming.summary ?? cur.summary) : (cur.summary ?? incoming.summary),
      cvss: source === 'nvd' ? (incoming.cvss ?? cur.cvss) : (cur.cvss ?? incoming.cvss),
      cwes: [...new Set([...cur.cwes, ...incoming.cwes])],
      affected: [...keep, ...incoming.affected],
    };
    this.records.set(cur.id, merged);
    this.index(merged);
    return 'updated';
  }

  /** Import one parsed JSON document (CVE 5 record, NVD 2.0 response/feed, KEV catalog). */
  importDocument(doc: unknown): ImportStats {
    const kind = detectKind(doc);
    const st: ImportStats = { kind, added: 0, updated: 0, unchanged: 0, rejected: 0, kev: 0, errors: [] };
    const count = (r: 'added' | 'updated' | 'unchanged') => st[r]++;
    const d = doc as Record<string, unknown>;
    if (kind === 'cve5') {
      const r = fromCve5(d);
      if (r) count(this.upsert(r, 'cve5'));
      else st.rejected++;
    } else if (kind === 'nvd') {
      for (const item of d['vulnerabilities'] as unknown[]) {
        try {
          const r = fromNvd((item ?? {}) as Record<string, unknown>);
          if (r) count(this.upsert(r, 'nvd'));
          else st.rejected++;
        } catch (err) {
          if (st.errors.length < 20) st.errors.push((err as Error).message);
        }
      }
    } else if (kind === 'kev') {
      for (const e of kevEntries(d)) {
        this.kev.set(e.cveID, e);
        st.kev++;
      }
      if (typeof d['catalogVersion'] === 'string') this.kevCatalogVersion = d['catalogVersion'];
    } else {
      throw new Error(
        'unrecognised document: expected a CVE JSON 5 record, an NVD CVE API 2.0 response or the KEV catalog',
      );
    }
    return st;
  }

  isKev(id: string): KevEntry | undefined {
    return this.kev.get(id);
  }

  /** Vulnerabilities affecting a product at a version (CPE or vendor/product/version). */
  lookup(q: ProductQuery): VulnMatch[] {
    let vendor = q.vendor ? normalizeName(q.vendor) : undefined;
    let product = q.product ? normalizeName(q.product) : undefined;
    let version = q.version;
    if (q.cpe) {
      const c = parseCpe(q.cpe);
      vendor = isWildcard(c.vendor) ? vendor : c.vendor;
      product = c.product;
      if (!isWildcard(c.version)) version = isWildcard(c.update) ? c.version : `${c.version}${c.update}`;
    }
    if (!product) throw new Error('lookup needs a product (or a CPE)');
    const key = vendor ? `${vendor}:${product}` : `*:${product}`;
    const ids = this.byProduct.get(key);
    if (!ids) return [];
    const split = version ? splitDistroVersion(version) : undefined;
    const out: VulnMatch[] = [];
    for (const id of [...ids].sort()) {
      const r = this.records.get(id)!;
      let best: VulnMatch | undefined;
      for (const a of r.affected) {
        if (a.product !== product || (vendor && a.vendor !== vendor)) continue;
        const reasons: string[] = [];
        let confidence: VulnMatch['confidence'] = 'certain';
        if (!split) {
          if (!a.allVersions && a.ranges.length === 0) continue;
          confidence = 'potential';
          reasons.push('no version given');
        } else {
          const status = statusFor(a, split.upstream);
          if (status !== 'affected') continue;
          const hit = a.ranges.find((x) => x.status === 'affected' && inRange(x, split.upstream));
          if (hit) {
            reasons.push(
              hit.exact !== undefined
                ? `version ${split.upstream} listed as affected`
                : `version ${split.upstream} in ${hit.start ? `${hit.startIncluding ? '>=' : '>'} ${hit.start}` : ''}${hit.start && hit.end ? ', ' : ''}${hit.end ? `${hit.endIncluding ? '<=' : '<'} ${hit.end}` : ''}`.trim(),
            );
          } else {
            confidence = 'potential';
            reasons.push(a.allVersions ? 'all versions listed as affected' : 'affected by default status');
          }
          if (split.distro) {
            confidence = 'potential';
            reasons.push(`${split.distro} package: the distribution may have backported the fix`);
          }
        }
        if (a.conditional) {
          confidence = 'potential';
          reasons.push('applies only on specific platforms (NVD AND configuration)');
        }
        const m: VulnMatch = {
          id,
          confidence,
          reasons,
          origin: a.origin,
          vendor: a.vendor,
          product: a.product,
          cvss: r.cvss,
          summary: r.summary,
          kev: this.kev.get(id),
        };
        if (!best || (best.confidence === 'potential' && confidence === 'certain')) best = m;
      }
      if (best) out.push(best);
    }
    return out;
  }

  toJSON(): SerializedVulnDb {
    return {
      format: 'mamori-vulndb',
      version: 1,
      kevCatalogVersion: this.kevCatalogVersion,
      records: [...this.records.values()],
      kev: [...this.kev.values()],
    };
  }

  static fromJSON(data: unknown): VulnDb {
    const d = data as Partial<SerializedVulnDb>;
    if (
      !d ||
      d.format !== 'mamori-vulndb' ||
      d.version !== 1 ||
      !Array.isArray(d.records) ||
      !Array.isArray(d.kev)
    ) {
      throw new Error('not a mamori-vulndb v1 document');
    }
    const db = new VulnDb();
    for (const r of d.records) db.records.set(r.id, r);
    for (const k of d.kev) db.kev.set(k.cveID, k);
    db.kevCatalogVersion = d.kevCatalogVersion;
    db.reindex();
    return db;
  }
}
