// Reading Sigma field names out of events of the three shapes the engine accepts:
// Windows XML-as-JSON (Event.System / Event.EventData), Winlogbeat/ECS, and flat JSON.
import type { EventSummary } from './types.js';
import { loadFieldMaps } from './data.js';

type Obj = Record<string, unknown>;

const enum Format {
  Xml = 0,
  Ecs = 1,
  Flat = 2,
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `a.b.c` lookup; a key that itself contains dots is tried whole first. */
export function getPath(root: unknown, path: string): unknown {
  if (!isObj(root)) return undefined;
  if (path in root) return root[path];
  let cur: unknown = root;
  let start = 0;
  while (start <= path.length) {
    if (!isObj(cur)) return undefined;
    const dot = path.indexOf('.', start);
    const key = dot < 0 ? path.slice(start) : path.slice(start, dot);
    cur = cur[key];
    if (dot < 0) return cur;
    start = dot + 1;
  }
  return cur;
}

function getParts(root: unknown, parts: string[]): unknown {
  let cur: unknown = root;
  for (let i = 0; i < parts.length; i++) {
    if (!isObj(cur)) return undefined;
    cur = cur[parts[i]!];
  }
  return cur;
}

// Elements with attributes come as { "#attributes": …, "#text": value } in XML-as-JSON.
function unwrap(v: unknown): unknown {
  if (isObj(v) && '#text' in v) return v['#text'];
  return v;
}

function spacedKeys(d: Obj): Map<string, string> | null {
  // Providers that use spaced names use them for every field: looking at the first key is enough.
  for (const k in d) {
    if (!k.includes(' ')) return null;
    break;
  }
  let m: Map<string, string> | null = null;
  for (const k in d) if (k.includes(' ')) (m ??= new Map()).set(k.replace(/ /g, ''), k);
  return m;
}

function detectFormat(ev: Obj): Format {
  if (isObj(ev.Event)) return Format.Xml;
  if (isObj(ev.winlog) || (isObj(ev.event) && ('@timestamp' in ev || isObj(ev.ecs)))) return Format.Ecs;
  return Format.Flat;
}

/** Resolve one Sigma field name in an event, uncached. `renames` maps Sigma names to this event's names. */
export class FieldResolver {
  // Field maps with their dotted paths split once.
  private readonly xmlMap: Map<string, string[][]>;
  private readonly ecsMap: Map<string, string[][]>;
  format: Format = Format.Flat;
  root: Obj = {};
  private data: Obj | undefined;
  private userData: Obj | undefined;
  private system: Obj | undefined;
  private ecsData: Obj | undefined;
  // Defender and some other providers name EventData fields with spaces ("Threat Name"); Sigma writes
  // them without (ThreatName). Built on the first miss of an event, only when such keys exist.
  private spaced: Map<string, string> | null | undefined;

  constructor() {
    const maps = loadFieldMaps();
    const split = (m: Record<string, string[]>): Map<string, string[][]> =>
      new Map(Object.entries(m).map(([k, ps]) => [k, ps.map((p) => p.split('.'))]));
    this.xmlMap = split(maps.windows_xml);
    this.ecsMap = split(maps.ecs);
  }

  reset(ev: Obj): void {
    this.root = ev;
    this.format = detectFormat(ev);
    this.data = this.userData = this.system = this.ecsData = undefined;
    this.spaced = undefined;
    if (this.format === Format.Xml) {
      const e = ev.Event as Obj;
      this.system = isObj(e.System) ? e.System : undefined;
      this.data = isObj(e.EventData) ? e.EventData : undefined;
      if (isObj(e.UserData)) {
        // UserData wraps its fields in one provider-specific element.
        for (const k in e.UserData) {
          const inner = e.UserData[k];
          if (isObj(inner)) {
            this.userData = inner;
            break;
          }
        }
      }
    } else if (this.format === Format.Ecs) {
      const w = ev.winlog;
      if (isObj(w) && isObj(w.event_data)) this.ecsData = w.event_data;
    }
  }

  resolve(name: string, renames: Record<string, string> | undefined): unknown {
    if (renames !== undefined) {
      const alt = renames[name];
      if (alt !== undefined) {
        const v = this.resolveName(alt);
        if (v !== undefined) return v;
      }
    }
    return this.resolveName(name);
  }

  private resolveName(name: string): unknown {
    switch (this.format) {
      case Format.Xml: {
        const d = this.data;
        if (d !== undefined) {
          // One keyed load for the common case (the field is there); `in` only on a miss, for a key
          // present with an undefined value.
          const v = d[name];
          if (v !== undefined || name in d) return unwrap(v);
          if (this.spaced === undefined) this.spaced = spacedKeys(d);
          if (this.spaced !== null) {
            const k = this.spaced.get(name);
            if (k !== undefined) return unwrap(d[k]);
          }
        }
        const u = this.userData;
        if (u !== undefined && name in u) return unwrap(u[name]);
        const paths = this.xmlMap.get(name);
        if (paths !== undefined) {
          for (const p of paths) {
            const v = getParts(this.root, p);
            if (v !== undefined && !isObj(v)) return v;
          }
        }
        const s = this.system;
        if (s !== undefined && name in s) return unwrap(s[name]);
        return name.includes('.') ? getPath(this.root, name) : undefined;
      }
      case Format.Ecs: {
        const d = this.ecsData;
        if (d !== undefined && name in d) return d[name];
        const paths = this.ecsMap.get(name);
        if (paths !== undefined) {
          for (const p of paths) {
            const v = getParts(this.root, p);
            if (v !== undefined) return v;
          }
        }
        return getPath(this.root, name);
      }
      default:
        return getPath(this.root, name);
    }
  }

  /** Channel name or undefined. */
  channel(): string | undefined {
    if (this.system !== undefined) {
      const c = this.system.Channel;
      if (typeof c === 'string') return c;
    }
    const v = this.resolveName('Channel');
    return typeof v === 'string' ? v : undefined;
  }

  eventId(): number {
    const v = this.system !== undefined ? unwrap(this.system.EventID) : this.resolveName('EventID');
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v !== '') {
      const n = Number(v);
      return Number.isInteger(n) ? n : -1;
    }
    return -1;
  }

  /** Every scalar value in the event, as strings (for keyword rules). */
  allStrings(out: string[]): void {
    this.forEachString((x) => out.push(x));
  }

  /**
   * Call `fn` with every scalar value of the event (EventData/UserData for Windows XML), as a string.
   * `scalars: false` leaves out numbers and booleans (for a caller that knows they cannot matter).
   */
  forEachString(fn: (s: string) => void, skipEventData?: ReadonlySet<string>, scalars = true): void {
    if (this.format === Format.Xml) {
      const e = this.root.Event as Obj;
      const d = e.EventData;
      if (skipEventData !== undefined && skipEventData.size > 0 && isObj(d)) {
        for (const k in d) if (!skipEventData.has(k)) walkValues(d[k], 1, fn, scalars);
      } else walkValues(d, 0, fn, scalars);
      walkValues(e.UserData, 0, fn, scalars);
      if (typeof e['#text'] === 'string') fn(e['#text']);
    } else walkValues(this.root, 0, fn, scalars);
  }
}

function walkValues(v: unknown, depth: number, fn: (s: string) => void, scalars: boolean): void {
  if (depth > 12) return;
  if (typeof v === 'string') fn(v);
  else if (typeof v === 'number' || typeof v === 'boolean') {
    if (scalars) fn(String(v));
  } else if (Array.isArray(v)) for (const x of v) walkValues(x, depth + 1, fn, scalars);
  else if (isObj(v))
    for (const k in v) if (k !== '#attributes' || depth > 2) walkValues(v[k], depth + 1, fn, scalars);
}

let sharedResolver: FieldResolver | undefined;

function timeValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v > 1e11 ? v : v * 1000;
  if (typeof v === 'string') {
    const t = Date.parse(
      v.includes(' ') && !v.includes('T')
        ? v.replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? '' : 'Z')
        : v,
    );
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** Event time in ms since epoch, or undefined when the event carries none. */
export function eventTime(event: unknown, resolver?: FieldResolver): number | undefined {
  if (!isObj(event)) return undefined;
  const r = resolver ?? (sharedResolver ??= new FieldResolver());
  if (resolver === undefined) r.reset(event);
  for (const name of ['TimeCreated', '@timestamp', 'timestamp', 'UtcTime', 'time', 'date']) {
    const t = timeValue(r.resolve(name, undefined));
    if (t !== undefined) return t;
  }
  return undefined;
}

/** The fields a report shows for an event (timestamp, computer, channel, event id, record id). */
export function summarizeEvent(event: unknown): EventSummary {
  if (!isObj(event)) return {};
  const r = (sharedResolver ??= new FieldResolver());
  r.reset(event);
  const str = (name: string): string | undefined => {
    const v = r.resolve(name, undefined);
    return v === undefined || v === null || typeof v === 'object' ? undefined : String(v);
  };
  const id = r.eventId();
  const rec = Number(str('EventRecordID'));
  const out: EventSummary = {};
  const ts = str('TimeCreated') ?? str('@timestamp') ?? str('timestamp');
  if (ts !== undefined) out.timestamp = ts;
  const computer = str('Computer');
  if (computer !== undefined) out.computer = computer;
  const channel = r.channel();
  if (channel !== undefined) out.channel = channel;
  if (id >= 0) out.eventId = id;
  if (Number.isFinite(rec) && str('EventRecordID') !== undefined) out.recordId = rec;
  const provider = str('Provider_Name');
  if (provider !== undefined) out.provider = provider;
  return out;
}
