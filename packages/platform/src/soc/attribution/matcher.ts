// Fast attribution of events to organizations: longest-prefix CIDR match (one hash map per prefix length in
// use, longest first), exact host names, domain suffixes (label by label), mail domains and device names.
// Rebuilt whole on every rule change (rules are few: thousands, not millions). Which endpoint counts comes from
// data/soc-attribution.json, per source kind.
import { readFileSync } from 'node:fs';
import type { NormalizedEvent } from '@mamori/core';
import type { IngestRecord } from '../types.js';

export type AttributionKind = 'cidr' | 'host' | 'domain' | 'mail_domain' | 'device';
export const attributionKinds: readonly AttributionKind[] = [
  'cidr',
  'host',
  'domain',
  'mail_domain',
  'device',
];

export interface AttributionRuleLike {
  organizationId: string;
  kind: AttributionKind;
  value: string;
}

export interface Attribution {
  organizationId: string | null;
  reason: string | null;
}

interface Plan {
  bySourceKind: Record<string, string[]>;
  default: string[];
}

const plan = JSON.parse(
  readFileSync(new URL('../../../data/soc-attribution.json', import.meta.url), 'utf8'),
) as Plan;

type Field = 'device' | `${'src' | 'dst'}.${'ip' | 'hostname' | 'domain' | 'email'}`;
interface Step {
  field: Field;
  /** Which endpoint and which of its parts (fixed per step: nothing is sliced per event). */
  src: boolean;
  key: 'ip' | 'hostname' | 'domain' | 'email';
  kinds: AttributionKind[];
}
const compile = (steps: string[]): Step[] =>
  steps.map((s) => {
    const [field, kinds] = s.split(':') as [Field, string | undefined];
    return {
      field,
      src: field.startsWith('src.'),
      key: field.slice(4) as Step['key'],
      kinds: kinds ? (kinds.split(',') as AttributionKind[]) : ['device'],
    };
  });
const plans = new Map<string, Step[]>(Object.entries(plan.bySourceKind).map(([k, v]) => [k, compile(v)]));
const defaultPlan = compile(plan.default);

/** IPv4 dotted quad → unsigned 32-bit number, or -1. Hand-written: it runs for every event. */
export function ipv4ToInt(s: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

/** IPv6 text → 32 hex digits (no separators), or null. Also accepts an embedded IPv4 tail. */
export function ipv6ToHex(s: string): string | null {
  if (!s.includes(':')) return null;
  let text = s.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const last = text.lastIndexOf(':');
  let tail = '';
  if (text.indexOf('.', last) > 0) {
    const v4 = ipv4ToInt(text.slice(last + 1));
    if (v4 < 0) return null;
    tail = v4.toString(16).padStart(8, '0');
    text = text.slice(0, last + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): string[] | null => {
    if (h === '') return [];
    const g = h.split(':');
    for (const x of g) if (!/^[0-9a-f]{1,4}$/.test(x)) return null;
    return g.map((x) => x.padStart(4, '0'));
  };
  const a = groups(halves[0]!);
  const b = halves.length === 2 ? groups(halves[1]!) : [];
  if (!a || !b) return null;
  const missing = 8 - a.length - b.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  let hex = [...a, ...Array<string>(missing).fill('0000'), ...b].join('');
  if (tail) hex = hex.slice(0, 24) + tail;
  return hex;
}

const hexToBits = (hex: string): string => {
  let out = '';
  for (const ch of hex) out += parseInt(ch, 16).toString(2).padStart(4, '0');
  return out;
};

/** Parses and normalizes a CIDR (a bare address is a /32 or /128). Null when invalid. */
export function parseCidr(value: string): { v: 4 | 6; bits: string; len: number; text: string } | null {
  const [addr, lenText] = value.trim().split('/') as [string, string | undefined];
  if (lenText !== undefined && !/^\d{1,3}$/.test(lenText)) return null;
  const v4 = ipv4ToInt(addr);
  if (v4 >= 0) {
    const len = lenText === undefined ? 32 : Number(lenText);
    if (len > 32) return null;
    const bits = v4.toString(2).padStart(32, '0').slice(0, len);
    const base = parseInt(bits.padEnd(32, '0'), 2);
    const text = `${[base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join('.')}/${len}`;
    return { v: 4, bits, len, text };
  }
  const hex = ipv6ToHex(addr);
  if (hex === null) return null;
  const len = lenText === undefined ? 128 : Number(lenText);
  if (len > 128) return null;
  const bits = hexToBits(hex).slice(0, len);
  return { v: 6, bits, len, text: `${addr.toLowerCase()}/${len}` };
}

/** Lower-case host or domain name without a trailing dot; null when it is not a plausible DNS name. */
export function normalizeName(value: string): string | null {
  const v = value.trim().toLowerCase().replace(/\.$/, '');
  if (v.length === 0 || v.length > 253) return null;
  if (!/^[a-z0-9_*](?:[a-z0-9_.-]*[a-z0-9_])?$/.test(v) || v.includes('..')) return null;
  return v;
}

export class AttributionMatcher {
  /** IPv4: prefix length → (prefix value → org), as registered (a later rule for the same prefix wins). */
  private readonly v4 = new Map<number, Map<number, string>>();
  /**
   * IPv4 lookup table: the address space cut into disjoint segments, each owned by its longest registered prefix;
   * segment i starts at v4Starts[i] and belongs to v4Orgs[v4Owner[i]] (-1: nobody). One binary search per address
   * instead of one map probe per registered prefix length (most addresses match nothing and tried them all).
   */
  private v4Starts = new Float64Array(1);
  private v4Owner = Int32Array.of(-1);
  private v4Orgs: string[] = [];
  private readonly v6 = new Map<number, Map<string, string>>();
  private v6Lengths: number[] = [];
  private readonly hosts = new Map<string, string>();
  private readonly domains = new Map<string, string>();
  private readonly mailDomains = new Map<string, string>();
  private readonly devices = new Map<string, string>();
  readonly size: number;

  constructor(rules: readonly AttributionRuleLike[]) {
    for (const r of rules) {
      switch (r.kind) {
        case 'cidr': {
          const c = parseCidr(r.value);
          if (!c) break;
          if (c.v === 4) {
            let m = this.v4.get(c.len);
            if (!m) this.v4.set(c.len, (m = new Map()));
            m.set(c.len === 0 ? 0 : parseInt(c.bits, 2), r.organizationId);
          } else {
            let m = this.v6.get(c.len);
            if (!m) this.v6.set(c.len, (m = new Map()));
            m.set(c.bits, r.organizationId);
          }
          break;
        }
        case 'host':
          this.hosts.set(r.value.toLowerCase(), r.organizationId);
          break;
        case 'domain':
          this.domains.set(r.value.toLowerCase(), r.organizationId);
          break;
        case 'mail_domain':
          this.mailDomains.set(r.value.toLowerCase(), r.organizationId);
          break;
        case 'device':
          this.devices.set(r.value.toLowerCase(), r.organizationId);
          break;
      }
    }
    this.buildV4Table();
    this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
    this.size = rules.length;
  }

  private buildV4Table(): void {
    const prefixes: { start: number; end: number; len: number; org: number }[] = [];
    const orgIndex = new Map<string, number>();
    for (const [len, m] of this.v4) {
      const size = 2 ** (32 - len);
      for (const [key, org] of m) {
        let o = orgIndex.get(org);
        if (o === undefined) orgIndex.set(org, (o = orgIndex.size));
        prefixes.push({ start: key * size, end: key * size + size - 1, len, org: o });
      }
    }
    // CIDR blocks are nested or disjoint: in order of start, enclosing blocks first, a stack holds the chain of
    // blocks around the current point; each block's start and each block's end open a segment.
    prefixes.sort((a, b) => a.start - b.start || a.len - b.len);
    const starts: number[] = [0];
    const owner: number[] = [-1];
    const open = (at: number, org: number): void => {
      const last = starts.length - 1;
      if (starts[last] === at) {
        owner[last] = org;
        if (last > 0 && owner[last - 1] === org) {
          starts.pop();
          owner.pop();
        }
      } else if (owner[last] !== org) {
        starts.push(at);
        owner.push(org);
      }
    };
    const stack: (typeof prefixes)[number][] = [];
    const close = (): void => {
      const t = stack.pop()!;
      open(t.end + 1, stack.length > 0 ? stack[stack.length - 1]!.org : -1);
    };
    for (const p of prefixes) {
      while (stack.length > 0 && stack[stack.length - 1]!.end < p.start) close();
      open(p.start, p.org);
      stack.push(p);
    }
    while (stack.length > 0) close();
    this.v4Starts = Float64Array.from(starts);
    this.v4Owner = Int32Array.from(owner);
    this.v4Orgs = [...orgIndex.keys()];
  }

  matchIp(ip: string): string | null {
    const n = ipv4ToInt(ip);
    if (n >= 0) {
      // The last segment starting at or below n.
      const starts = this.v4Starts;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= n) lo = mid;
        else hi = mid - 1;
      }
      const o = this.v4Owner[lo]!;
      return o < 0 ? null : this.v4Orgs[o]!;
    }
    if (this.v6Lengths.length === 0) return null;
    const hex = ipv6ToHex(ip);
    if (hex === null) return null;
    const bits = hexToBits(hex);
    for (const len of this.v6Lengths) {
      const hit = this.v6.get(len)!.get(bits.slice(0, len));
      if (hit !== undefined) return hit;
    }
    return null;
  }

  /** The name itself, then each parent domain (a.b.c.jp, b.c.jp, c.jp). */
  private suffix(map: Map<string, string>, name: string): string | null {
    if (map.size === 0) return null;
    let n = name;
    for (;;) {
      const hit = map.get(n);
      if (hit !== undefined) return hit;
      const dot = n.indexOf('.');
      if (dot < 0) return null;
      n = n.slice(dot + 1);
    }
  }

  matchName(name: string, kinds: readonly AttributionKind[]): string | null {
    const n = name.toLowerCase();
    for (const k of kinds) {
      const hit =
        k === 'host'
          ? (this.hosts.get(n) ?? null)
          : k === 'domain'
            ? this.suffix(this.domains, n)
            : k === 'mail_domain'
              ? this.suffix(this.mailDomains, n)
              : k === 'device'
                ? (this.devices.get(n) ?? null)
                : null;
      if (hit !== null) return hit;
    }
    return null;
  }

  matchDevice(ev: NormalizedEvent, rec: IngestRecord): string | null {
    if (this.devices.size === 0) return null;
    const d = ev.device;
    if (d?.name) {
      const hit = this.devices.get(d.name.toLowerCase());
      if (hit !== undefined) return hit;
    }
    if (d?.site) {
      const hit = this.devices.get(d.site.toLowerCase());
      if (hit !== undefined) return hit;
    }
    if (rec.peer) {
      const p = rec.peer.toLowerCase();
      const hit = this.devices.get(p) ?? this.devices.get(p.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''));
      if (hit !== undefined) return hit;
    }
    return null;
  }

  /** The organization the event concerns, or null with the reason (what was tried). */
  attribute(ev: NormalizedEvent, rec: IngestRecord): Attribution {
    const steps = plans.get(ev.sourceKind) ?? defaultPlan;
    // What was tried (the first four), for the reason of an unattributed event.
    let tried = '';
    let n = 0;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (step.field === 'device') {
        const hit = this.matchDevice(ev, rec);
        if (hit !== null) return { organizationId: hit, reason: null };
        continue;
      }
      const side = step.src ? ev.src : ev.dst;
      if (!side) continue;
      const key = step.key;
      let value = side[key];
      if (value === undefined || value === '') continue;
      if (key === 'email') {
        const at = value.lastIndexOf('@');
        if (at < 0) continue;
        value = value.slice(at + 1);
      }
      const hit = key === 'ip' ? this.matchIp(value) : this.matchName(value, step.kinds);
      if (hit !== null) return { organizationId: hit, reason: null };
      if (n < 4) tried += (n++ > 0 ? ', ' : '') + step.field + ' ' + value;
    }
    return {
      organizationId: null,
      reason: n === 0 ? 'no address or name to match' : 'no attribution rule matches ' + tried,
    };
  }
}
