// Parse CVE JSON 5 records, NVD CVE API 2.0 responses/feeds and the CISA KEV catalog into VulnRecords.
import { isWildcard, normalizeName, parseCpe } from './cpe.js';
import type { AffectedProduct, KevEntry, VersionRange, VulnRecord } from './types.js';
import { schemeFor } from './version.js';

type Raw = Record<string, unknown>;

export type FeedKind = 'cve5' | 'nvd' | 'kev' | 'unknown';

export function detectKind(doc: unknown): FeedKind {
  if (!doc || typeof doc !== 'object') return 'unknown';
  const d = doc as Raw;
  if (d['dataType'] === 'CVE_RECORD' || (d['cveMetadata'] && d['containers'])) return 'cve5';
  if (Array.isArray(d['vulnerabilities'])) {
    if (typeof d['catalogVersion'] === 'string') return 'kev';
    const first = d['vulnerabilities'][0] as Raw | undefined;
    if (d['format'] === 'NVD_CVE' || (first && typeof first === 'object' && 'cve' in first)) return 'nvd';
    if (first && typeof first === 'object' && 'cveID' in first) return 'kev';
  }
  return 'unknown';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const UNSPECIFIED = new Set(['', '*', 'n/a', 'unspecified', 'all', '-', 'all versions']);

function cve5Ranges(a: Raw, defaultScheme?: string): { ranges: VersionRange[]; allVersions: boolean } {
  const ranges: VersionRange[] = [];
  let allVersions = false;
  for (const v of (Array.isArray(a['versions']) ? a['versions'] : []) as Raw[]) {
    const status =
      v['status'] === 'unaffected' ? 'unaffected' : v['status'] === 'affected' ? 'affected' : undefined;
    if (!status) continue;
    const version = (str(v['version']) ?? '').trim();
    const scheme = schemeFor(str(v['versionType']) ?? defaultScheme);
    const lt = str(v['lessThan']);
    const lte = str(v['lessThanOrEqual']);
    const changes = Array.isArray(v['changes'])
      ? (v['changes'] as Raw[])
          .filter((c) => typeof c['at'] === 'string')
          .map((c) => ({
            at: c['at'] as string,
            status: (c['status'] === 'affected' ? 'affected' : 'unaffected') as 'affected' | 'unaffected',
          }))
      : undefined;
    if (lt !== undefined || lte !== undefined) {
      let end = (lt ?? lte)!.trim();
      // versionType "patch" (e.g. NetScaler "13.1" lessThan "51.15"): the bound is a build within the release.
      if (str(v['versionType']) === 'patch' && version && !end.startsWith(version)) end = `${version}-${end}`;
      ranges.push({
        status,
        start: UNSPECIFIED.has(version.toLowerCase()) || version === '0' ? undefined : version,
        startIncluding: true,
        end: UNSPECIFIED.has(end.toLowerCase()) ? undefined : end,
        endIncluding: lte !== undefined && lt === undefined,
        scheme,
        changes,
      });
    } else if (UNSPECIFIED.has(version.toLowerCase())) {
      if (status === 'affected') allVersions = true;
    } else {
      ranges.push({ status, exact: version, startIncluding: true, endIncluding: true, scheme });
    }
  }
  return { ranges, allVersions };
}

function cve5Affected(list: unknown, origin: AffectedProduct['origin']): AffectedProduct[] {
  const out: AffectedProduct[] = [];
  for (const a of (Array.isArray(list) ? list : []) as Raw[]) {
    const cpes = (Array.isArray(a['cpes']) ? a['cpes'] : []).filter(
      (c): c is string => typeof c === 'string',
    );
    const names: Array<{ vendor: string; product: string; cpe?: string }> = [];
    for (const c of cpes) {
      try {
        const p = parseCpe(c);
        names.push({ vendor: p.vendor, product: p.product, cpe: c });
      } catch {
        /* a malformed CPE in one record must not stop the import */
      }
    }
    const vendor = str(a['vendor']);
    const product = str(a['product']);
    if (vendor && product && vendor !== 'n/a' && product !== 'n/a')
      names.push({ vendor: normalizeName(vendor), product: normalizeName(product) });
    if (names.length === 0) continue;
    const { ranges, allVersions } = cve5Ranges(a);
    const ds = a['defaultStatus'];
    const defaultStatus = ds === 'affected' ? 'affected' : ds === 'unaffected' ? 'unaffected' : 'unknown';
    const seen = new Set<string>();
    for (const n of names) {
      const key = `${n.vendor}:${n.product}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        vendor: n.vendor,
        product: n.product,
        origin,
        cpe: n.cpe,
        ranges,
        defaultStatus,
        allVersions: allVersions || undefined,
      });
    }
  }
  return out;
}

function cvssFrom(metrics: unknown): VulnRecord['cvss'] {
  // CVE 5: [{cvssV3_1: {...}}, …]; NVD: {cvssMetricV31: [{cvssData: {...}}], …}
  const pick = (m: Raw | undefined, version: string): VulnRecord['cvss'] => {
    if (!m) return undefined;
    const score = Number(m['baseScore']);
    if (!Number.isFinite(score)) return undefined;
    return {
      version,
      score,
      severity: String(m['baseSeverity'] ?? '').toLowerCase(),
      vector: str(m['vectorString']),
    };
  };
  if (Array.isArray(metrics)) {
    for (const key of ['cvssV4_0', 'cvssV3_1', 'cvssV3_0', 'cvssV2_0']) {
      const m = (metrics as Raw[]).find((x) => x && typeof x === 'object' && key in x);
      if (m) return pick(m[key] as Raw, key.replace('cvssV', '').replace('_', '.'));
    }
  } else if (metrics && typeof metrics === 'object') {
    for (const key of ['cvssMetricV40', 'cvssMetricV31', 'cvssMetricV30', 'cvssMetricV2']) {
      const arr = (metrics as Raw)[key];
      if (Array.isArray(arr) && arr.length > 0) {
        const primary = (arr as Raw[]).find((x) => x['type'] === 'Primary') ?? (arr[0] as Raw);
        return pick(
          primary['cvssData'] as Raw,
          key.replace('cvssMetricV', '').replace(/^(\d)(\d)$/, '$1.$2'),
        );
      }
    }
  }
  return undefined;
}

export function fromCve5(doc: Raw): VulnRecord | undefined {
  const meta = (doc['cveMetadata'] ?? {}) as Raw;
  const id = str(meta['cveId']);
  if (!id || !/^CVE-\d{4}-\d+$/.test(id)) throw new Error('CVE record without a valid cveMetadata.cveId');
  if (meta['state'] === 'REJECTED') return undefined;
  const containers = (doc['containers'] ?? {}) as Raw;
  const cna = (containers['cna'] ?? {}) as Raw;
  const adp = (Array.isArray(containers['adp']) ? containers['adp'] : []) as Raw[];
  const descs = (Array.isArray(cna['descriptions']) ? cna['descriptions'] : []) as Raw[];
  const summary = str((descs.find((d) => String(d['lang'] ?? '').startsWith('en')) ?? descs[0])?.['value']);
  const cwes = new Set<string>();
  for (const c of [cna, ...adp]) {
    for (const pt of (Array.isArray(c['problemTypes']) ? c['problemTypes'] : []) as Raw[]) {
      for (const d of (Array.isArray(pt['descriptions']) ? pt['descriptions'] : []) as Raw[]) {
        const w = str(d['cweId']);
        if (w) cwes.add(w);
      }
    }
  }
  let cvss = cvssFrom(cna['metrics']);
  for (const a of adp) cvss ??= cvssFrom(a['metrics']);
  return {
    id,
    published: str(meta['datePublished']),
    modified: { cve5: str(meta['dateUpdated']) ?? '' },
    summary,
    cvss,
    cwes: [...cwes],
    affected: [
      ...cve5Affected(cna['affected'], 'cve5-cna'),
      ...adp.flatMap((a) => cve5Affected(a['affected'], 'cve5-adp')),
    ],
  };
}

function nvdAffected(configs: unknown): AffectedProduct[] {
  const out: AffectedProduct[] = [];
  for (const conf of (Array.isArray(configs) ? configs : []) as Raw[]) {
    const nodes = (Array.isArray(conf['nodes']) ? conf['nodes'] : []) as Raw[];
    // AND configurations (e.g. an application "running on" a platform) only count together with the platform.
    const conditional = String(conf['operator'] ?? '').toUpperCase() === 'AND' && nodes.length > 1;
    for (const node of nodes) {
      if (node['negate'] === true) continue;
      for (const m of (Array.isArray(node['cpeMatch']) ? node['cpeMatch'] : []) as Raw[]) {
        if (m['vulnerable'] !== true) continue;
        const criteria = str(m['criteria']);
        if (!criteria) continue;
        let cpe;
        try {
          cpe = parseCpe(criteria);
        } catch {
          continue;
        }
        const range: VersionRange = {
          status: 'affected',
          startIncluding: true,
          endIncluding: false,
          scheme: 'generic',
        };
        const si = str(m['versionStartIncluding']);
        const se = str(m['versionStartExcluding']);
        const ei = str(m['versionEndIncluding']);
        const ee = str(m['versionEndExcluding']);
        let allVersions = false;
        if (!isWildcard(cpe.version)) {
          range.exact = isWildcard(cpe.update)
            ? cpe.version
            : `${cpe.version}${/^\d/.test(cpe.update) ? '.' : ''}${cpe.update}`;
        } else if (si || se || ei || ee) {
          range.start = si ?? se;
          range.startIncluding = si !== undefined;
          range.end = ei ?? ee;
          range.endIncluding = ei !== undefined;
        } else allVersions = true;
        out.push({
          vendor: cpe.vendor,
          product: cpe.product,
          origin: 'nvd',
          cpe: criteria,
          ranges: allVersions ? [] : [range],
          defaultStatus: 'unaffected',
          allVersions: allVersions || undefined,
          conditional: conditional || undefined,
        });
      }
    }
  }
  return out;
}

export function fromNvd(item: Raw): VulnRecord | undefined {
  const cve = (item['cve'] ?? item) as Raw;
  const id = str(cve['id']);
  if (!id || !/^CVE-\d{4}-\d+$/.test(id)) throw new Error('NVD item without a valid cve.id');
  if (String(cve['vulnStatus'] ?? '') === 'Rejected') return undefined;
  const descs = (Array.isArray(cve['descriptions']) ? cve['descriptions'] : []) as Raw[];
  const cwes = new Set<string>();
  for (const w of (Array.isArray(cve['weaknesses']) ? cve['weaknesses'] : []) as Raw[]) {
    for (const d of (Array.isArray(w['description']) ? w['description'] : []) as Raw[]) {
      const v = str(d['value']);
      if (v && v.startsWith('CWE-')) cwes.add(v);
    }
  }
  return {
    id,
    published: str(cve['published']),
    modified: { nvd: str(cve['lastModified']) ?? '' },
    summary: str((descs.find((d) => d['lang'] === 'en') ?? descs[0])?.['value']),
    cvss: cvssFrom(cve['metrics']),
    cwes: [...cwes],
    affected: nvdAffected(cve['configurations']),
  };
}

export function kevEntries(doc: Raw): KevEntry[] {
  const out: KevEntry[] = [];
  for (const v of (Array.isArray(doc['vulnerabilities']) ? doc['vulnerabilities'] : []) as Raw[]) {
    const id = str(v['cveID']);
    if (!id) continue;
    out.push({
      cveID: id,
      vendorProject: str(v['vendorProject']) ?? '',
      product: str(v['product']) ?? '',
      vulnerabilityName: str(v['vulnerabilityName']) ?? '',
      dateAdded: str(v['dateAdded']) ?? '',
      dueDate: str(v['dueDate']) ?? '',
      requiredAction: str(v['requiredAction']) ?? '',
      knownRansomwareCampaignUse: str(v['knownRansomwareCampaignUse']) ?? '',
    });
  }
  return out;
}
