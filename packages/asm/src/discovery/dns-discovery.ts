// DNS discovery: records of a name, the zone it sits in, zone transfer attempts against the zone's servers,
// wordlist enumeration with wildcard detection, mail-authentication records, dangling CNAMEs, reverse DNS.
import { randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { DnsRecord, RRName } from '../dns/codec.js';
import { DnsClient, axfr } from '../dns/client.js';
import type { ScopeCheck } from '../scope/types.js';

export const RECORD_TYPES: RRName[] = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SOA', 'CAA', 'SRV'];

export async function collectRecords(
  client: DnsClient,
  name: string,
  types: RRName[] = RECORD_TYPES,
): Promise<DnsRecord[]> {
  const out: DnsRecord[] = [];
  await Promise.all(
    types.map(async (t) => {
      try {
        const msg = await client.query(name, t);
        out.push(...msg.answers.filter((r) => r.type === t || (t !== 'CNAME' && r.type === 'CNAME')));
      } catch {
        /* a timeout for one type is not fatal */
      }
    }),
  );
  const uniq = new Map(out.map((r) => [`${r.name}|${r.type}|${r.data}`, r]));
  return [...uniq.values()].sort((a, b) =>
    a.type === b.type ? a.data.localeCompare(b.data) : a.type.localeCompare(b.type),
  );
}

/** The apex of the zone holding `name`: the closest enclosing name with an SOA. */
export async function findZone(client: DnsClient, name: string): Promise<string | null> {
  const labels = name.replace(/\.$/, '').split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const candidate = labels.slice(i).join('.');
    try {
      const msg = await client.query(candidate, 'SOA');
      if (msg.answers.some((r) => r.type === 'SOA' && r.name.toLowerCase() === candidate.toLowerCase()))
        return candidate;
      const auth = msg.authority.find((r) => r.type === 'SOA');
      if (auth && msg.rcode === 'NOERROR' && name.endsWith(auth.name)) return auth.name;
    } catch {
      /* try the parent */
    }
  }
  return null;
}

export interface AxfrAttempt {
  zone: string;
  server: string;
  address: string;
  allowed: boolean;
  records: DnsRecord[];
  reason?: string;
  refusedByScope?: boolean;
}

/** Tries AXFR against each name server of the zone; each server address must pass the scope gate. */
export async function attemptZoneTransfers(
  client: DnsClient,
  zone: string,
  check: ScopeCheck,
  opts: { port?: number; timeoutMs?: number } = {},
): Promise<AxfrAttempt[]> {
  const ns = (await client.records(zone, 'NS')).map((r) => r.data.toLowerCase());
  const out: AxfrAttempt[] = [];
  for (const server of ns) {
    const d = await check(server, opts.port ?? 53);
    if (!d.allowed) {
      out.push({
        zone,
        server,
        address: '',
        allowed: false,
        records: [],
        reason: d.reason ?? 'out of scope',
        refusedByScope: true,
      });
      continue;
    }
    for (const address of d.addresses) {
      const r = await axfr({ host: address, port: opts.port ?? 53 }, zone, opts.timeoutMs ?? 5000);
      const a: AxfrAttempt = { zone, server, address, allowed: r.allowed, records: r.records };
      if (r.reason) a.reason = r.reason;
      out.push(a);
    }
  }
  return out;
}

export interface EnumResult {
  wildcard: string[] | null;
  found: Array<{ name: string; addresses: string[]; cname?: string }>;
}

/** Wordlist enumeration under `domain`. Names answering only with the wildcard's addresses are dropped. */
export async function enumerateSubdomains(
  client: DnsClient,
  domain: string,
  words: string[],
  opts: { concurrency?: number } = {},
): Promise<EnumResult> {
  const probe = async (name: string): Promise<{ addresses: string[]; cname?: string }> => {
    try {
      const msg = await client.query(name, 'A');
      const cname = msg.answers.find((r) => r.type === 'CNAME')?.data;
      const addresses = msg.answers.filter((r) => r.type === 'A').map((r) => r.data);
      return cname ? { addresses, cname } : { addresses };
    } catch {
      return { addresses: [] };
    }
  };
  // Two random labels: if both resolve, the zone has a wildcard and its answers are noise.
  const rnd = (): string => `mamori-${randomBytes(6).toString('hex')}.${domain}`;
  const [w1, w2] = await Promise.all([probe(rnd()), probe(rnd())]);
  const wildcard =
    w1.addresses.length > 0 && w2.addresses.length > 0
      ? [...new Set([...w1.addresses, ...w2.addresses])].sort()
      : null;
  const found: EnumResult['found'] = [];
  const queue = [
    ...new Set(words.map((w) => w.trim().toLowerCase()).filter((w) => /^[a-z0-9_-]{1,63}$/.test(w))),
  ];
  const worker = async (): Promise<void> => {
    for (;;) {
      const w = queue.shift();
      if (w === undefined) return;
      const name = `${w}.${domain}`;
      const r = await probe(name);
      if (r.addresses.length === 0 && !r.cname) continue;
      if (wildcard && !r.cname && r.addresses.every((a) => wildcard.includes(a))) continue;
      found.push({ name, ...r });
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 20 }, worker));
  found.sort((a, b) => a.name.localeCompare(b.name));
  return { wildcard, found };
}

export interface MailAuth {
  domain: string;
  mx: string[];
  spf: string[];
  dmarc: string[];
  dkimSelectors: string[];
}

export const DKIM_SELECTORS = [
  'default',
  'selector1',
  'selector2',
  'google',
  'k1',
  'mail',
  'dkim',
  's1',
  's2',
  'smtp',
];

export async function mailAuth(client: DnsClient, domain: string): Promise<MailAuth> {
  const txt = async (n: string): Promise<string[]> => {
    try {
      return (await client.records(n, 'TXT')).map((r) => r.data);
    } catch {
      return [];
    }
  };
  const mx = await client.records(domain, 'MX').catch(() => []);
  const spf = (await txt(domain)).filter((t) => /^v=spf1(\s|$)/i.test(t));
  const dmarc = (await txt(`_dmarc.${domain}`)).filter((t) => /^v=DMARC1/i.test(t));
  const dkimSelectors: string[] = [];
  await Promise.all(
    DKIM_SELECTORS.map(async (s) => {
      if ((await txt(`${s}._domainkey.${domain}`)).some((t) => /(^|;)\s*(v=DKIM1|p=)/i.test(t)))
        dkimSelectors.push(s);
    }),
  );
  return {
    domain,
    mx: mx.map((r) => r.data.split(' ')[1] ?? r.data),
    spf,
    dmarc,
    dkimSelectors: dkimSelectors.sort(),
  };
}

/** CNAMEs whose target does not exist (NXDOMAIN): a takeover risk. */
export async function findDanglingCnames(
  client: DnsClient,
  records: DnsRecord[],
): Promise<Array<{ name: string; target: string }>> {
  const out: Array<{ name: string; target: string }> = [];
  for (const r of records.filter((x) => x.type === 'CNAME')) {
    try {
      const msg = await client.query(r.data, 'A');
      if (msg.rcode === 'NXDOMAIN') out.push({ name: r.name, target: r.data });
    } catch {
      /* unknown is not dangling */
    }
  }
  return out;
}

/** An open resolver answers recursive queries for names it is not authoritative for. */
export async function isOpenResolver(
  address: string,
  port = 53,
  probeName = 'example.com',
): Promise<{ open: boolean; evidence: string }> {
  const c = new DnsClient({ server: { host: address, port }, timeoutMs: 2000, retries: 0 });
  try {
    const msg = await c.query(probeName, 'A', true);
    const open = msg.ra && msg.rcode !== 'REFUSED' && !msg.aa;
    return {
      open,
      evidence: `query ${probeName} A RD=1 → rcode=${msg.rcode} RA=${msg.ra ? 1 : 0} AA=${msg.aa ? 1 : 0} answers=${msg.answers.length}`,
    };
  } catch (err) {
    return { open: false, evidence: (err as Error).message };
  }
}

/** PTR names over an owned range (addresses pass the scope gate; ranges are capped). */
export async function reverseDns(
  client: DnsClient,
  cidr: string,
  check: ScopeCheck,
  max = 4096,
): Promise<Array<{ address: string; names: string[] }>> {
  const [net, p] = cidr.split('/');
  if (!net || isIP(net) !== 4) throw new Error(`reverse DNS supports IPv4 ranges: ${cidr}`);
  const prefix = Number(p ?? 32);
  const size = 2 ** (32 - prefix);
  if (size > max) throw new Error(`range ${cidr} has ${size} addresses; the limit is ${max}`);
  const base = net.split('.').reduce((a, o) => a * 256 + Number(o), 0) & ~(size - 1);
  const out: Array<{ address: string; names: string[] }> = [];
  const bl = new BlockList();
  bl.addSubnet(net, prefix, 'ipv4');
  for (let i = 0; i < size; i++) {
    const n = (base + i) >>> 0;
    const address = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    if (!(await check(address)).allowed) continue;
    const rev = `${address.split('.').reverse().join('.')}.in-addr.arpa`;
    try {
      const names = (await client.records(rev, 'PTR')).map((r) => r.data.toLowerCase());
      if (names.length > 0) out.push({ address, names });
    } catch {
      /* no answer */
    }
  }
  return out;
}
