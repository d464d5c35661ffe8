// The engine: compile rules once, then evaluate a stream of events.
// Events are routed by Windows channel and EventID to a bucket of candidate rules; inside a bucket a
// multi-pattern automaton per field marks the rules whose required literals occur, and only those
// (plus rules that have no literal requirement) are evaluated.
import { AhoCorasick, CharClasses, SPARSE, type AhoCorasickParts } from './ahocorasick.js';
import { requiredEventIds, requiredLiterals, type Lit } from './analyze.js';
import { CompileError, compileDetection, compileSearch, type CompileEnv } from './compile.js';
import { EventContext, FieldTable } from './context.js';
import { CorrelationState, parseTimespan, type CondRange, type CorrelationSpec } from './correlation.js';
import { loadFieldMaps, loadLogsources, loadPlaceholders, type Route } from './data.js';
import { eventTime } from './event.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { loadRuleText, type RuleDoc } from './load.js';
import { ValueMemo } from './memo.js';
import { AndNode, AtLeastNode, KeywordLeaf, NotNode, OrNode, rebind, type Node } from './nodes.js';
import type {
  CorrelationType,
  EngineOptions,
  EvaluateOptions,
  LogsourceHint,
  MatchedField,
  RuleDiagnostic,
  RuleMeta,
  RuleSource,
  SigmaMatch,
} from './types.js';

interface Variant {
  rule: CompiledRule;
  root: Node;
  /** Lowercase channel names; null = any channel of the product. */
  channels: string[] | null;
  eventIds: Set<number> | null;
  /** One or two requirement sets (see analyze.ts); null = always evaluate. */
  lits: Lit[][] | null;
  /**
   * Position in compile order: the same in every engine given the same rules and options. Buckets are
   * keyed by their variants' seqs, so pairs that select the same variants share one bucket, and a bucket
   * built by another engine (another worker) can be adopted.
   */
  seq: number;
}

interface CorrelationLink {
  corr: CompiledCorrelation;
  index: number;
}

interface CompiledRule {
  meta: RuleMeta;
  name?: string;
  variants: Variant[];
  /** Detection without renames, for events routed by hint or unrouted. */
  hintRoot: Node;
  hintLits: Lit[][] | null;
  channelRouted: boolean;
  filters: Node[];
  links: CorrelationLink[];
  emit: boolean;
}

interface CompiledCorrelation {
  meta: RuleMeta;
  name?: string;
  state: CorrelationState;
  /** Per referenced rule: field ids of group-by fields (aliases resolved), and of `field`. */
  groupFids: number[][];
  valueFid: number[];
  links: CorrelationLink[];
  emit: boolean;
}

interface Scanner {
  fid: number;
  ac: AhoCorasick;
  /** CSR: pattern id → indexes into Bucket.filtered. */
  patStart: Int32Array;
  /** Rule indexes; four ranges per pattern by position kind (0 anywhere, 1 prefix, 2 suffix, 3 whole value). */
  patRules: Int32Array;
  patLen: Int32Array;
  /** Event epoch in which a pattern's "anywhere" rules were last marked. */
  pstamp: Int32Array;
  /**
   * Recent values of this field → the pattern hits they produce (pid << 2 | at-start | at-end << 1).
   * Log fields repeat heavily (images, parents, users, hashes), so most values are scanned once.
   * Bounded: values up to 512 characters, 2,048 entries (about 1 MiB per field at most).
   */
  memo: ValueMemo<Int32Array>;
  /** Shortest pattern: shorter values cannot hit and are not scanned. */
  minLen: number;
  /** Some pattern could occur in the string form of a number or boolean (keyword pass). */
  scalarHit: boolean;
  /**
   * Keyword pass: a value holding none of these code units cannot hit (every pattern contains one of
   * them, in every case variant); undefined when no such short list was found.
   */
  need?: string[];
}

interface Bucket {
  always: Variant[];
  filtered: Variant[];
  /** Per rule and requirement set (index rule * 2 + set): epoch of the last event with a hit. */
  cand: Int32Array;
  /** 1 when the rule has a single requirement set. */
  single: Uint8Array;
  /** Rules whose requirements were met by the current event, in discovery order. */
  queue: Int32Array;
  queued: number;
  /** EventData keys the keyword pass may skip (their values are scanned for keyword literals already). */
  kwSkip: Set<string>;
  scanners: Scanner[];
  /** Some rule of the bucket reads every value of the event (keyword search). */
  readsAll: boolean;
}

/**
 * What a reader of Windows XML events must produce for this engine (EVTX reader's FieldFilter): the
 * element and EventData names the rules read, and whether a channel/EventID needs every value.
 */
export interface WindowsFieldFilter {
  readonly names: ReadonlySet<string>;
  full(channel: string | undefined, eventId: number): boolean;
}

function usesKeywords(n: Node): boolean {
  if (n instanceof KeywordLeaf) return true;
  if (n instanceof NotNode) return usesKeywords(n.item);
  if (n instanceof AndNode || n instanceof OrNode || n instanceof AtLeastNode)
    return n.items.some(usesKeywords);
  return false;
}

/** A channel bucket's automata as plain data (typed arrays), to hand to another engine with the same rules. */
export interface SharedBucket {
  fingerprint: string;
  /** The bucket's variants (compile-order numbers, comma-separated). */
  sig: string;
  readsAll: boolean;
  kwSkip: string[];
  scanners: Array<{
    fid: number;
    ac: AhoCorasickParts;
    patStart: Int32Array;
    patRules: Int32Array;
    patLen: Int32Array;
  }>;
}

const SNAPSHOT_VERSION = 1;

/** Compiled rules as structured-clone data (SigmaEngine.snapshot). */
export interface EngineSnapshot {
  version: number;
  data: unknown;
}

/** See SigmaEngine.bucketShare. */
export interface BucketShare {
  /** A bucket built by another engine for `sig`, or undefined (this engine then builds it). */
  take(sig: string): SharedBucket | undefined;
  /** This engine built a bucket (its arrays are the engine's own: copy, do not transfer them). */
  built(bucket: SharedBucket): void;
}

const EMPTY: readonly SigmaMatch[] = Object.freeze([]);
/** Memo entry of a value without hits (shared: most values hit nothing). */
const NO_HITS = new Int32Array(0);

// Characters of the string forms of numbers and booleans (digits, sign, point, exponent, Infinity, NaN,
// true, false), lowercase as the automata see them.
const SCALAR_CHARS = new Set('0123456789.+-einfatyrusl');

/** A scanner's memo and the cheap tests that spare it (values too short, number/boolean values). */
function scannerMemo(
  patLen: Int32Array,
  patterns: string[] | null,
): Pick<Scanner, 'memo' | 'minLen' | 'scalarHit'> {
  let minLen = patLen.length ? Infinity : 0;
  for (let i = 0; i < patLen.length; i++) minLen = Math.min(minLen, patLen[i]!);
  // Without the patterns (a bucket adopted from another engine), assume numbers can hit.
  const scalarHit =
    patterns === null || patterns.some((p) => [...p.toLowerCase()].every((ch) => SCALAR_CHARS.has(ch)));
  return { memo: new ValueMemo(1024), minLen, scalarHit };
}

type DiagKind = RuleDiagnostic['kind'];

// Characters frequent in log values, most frequent last; letters and digits count as more frequent still.
const COMMON_CHARS = ',=;/_-:.\\ ';

export class SigmaEngine {
  readonly diagnostics: RuleDiagnostic[] = [];
  private readonly fields = new FieldTable();
  private readonly ctx: EventContext;
  private readonly rules: CompiledRule[] = [];
  private readonly correlations: CompiledCorrelation[] = [];
  private readonly opts: Required<Omit<EngineOptions, 'placeholders'>> & {
    placeholders: Record<string, string[]>;
  };
  private readonly byChannel = new Map<string, Variant[]>();
  private readonly anyChannel: Variant[] = [];
  /** Channel name as given → its EventID map in `buckets` (cleared with it). */
  private channelMemo = new ValueMemo<{ key: string; byEid: Map<number, Bucket> }>(16);
  private readonly buckets = new Map<string, Map<number, Bucket>>();
  private readonly hintBuckets = new Map<string, Bucket>();
  private readonly hintByObject = new WeakMap<LogsourceHint, Bucket>();
  private unroutedBucket: Bucket | undefined;
  private readonly cls = new CharClasses();
  private readonly eidFids: Set<number>;
  /** Pseudo-field scanned over every value of the event, for keyword searches. */
  private readonly kwFid: number;
  private sealed = false;
  /** Folded character → every code unit the automata read as it (keyword prefilter). */
  private readonly variantsOf = new Map<number, string[]>();
  /** Rules evaluated in full so far (after routing and the literal prefilter). */
  evaluated = 0;
  /** Events passed to match(). */
  events = 0;
  /**
   * With `correlate: false`: the last event given to match() fired a rule that a correlation rule refers
   * to (that event should go to the engine that correlates).
   */
  correlationInput = false;

  constructor(sources: readonly RuleSource[] = [], options: EngineOptions = {}) {
    this.opts = {
      placeholders: options.placeholders ?? loadPlaceholders(),
      unknownPlaceholders: options.unknownPlaceholders ?? 'reject',
      unrouted: options.unrouted ?? 'non-windows',
      maxCorrelationGroups: options.maxCorrelationGroups ?? 10000,
      maxCorrelationEntries: options.maxCorrelationEntries ?? 1000,
      explain: options.explain ?? true,
      correlate: options.correlate ?? true,
    };
    this.ctx = new EventContext(this.fields);
    this.eidFids = new Set([this.fields.id('EventID')]);
    this.kwFid = this.fields.id('\u0000keywords');
    if (sources.length) this.addRules(sources);
  }

  /** Compile more rules. Diagnostics for each document are appended to `diagnostics`. */
  addRules(sources: readonly RuleSource[]): RuleDiagnostic[] {
    if (this.sealed) throw new Error('rules cannot be added after the first event was evaluated');
    const start = this.diagnostics.length;
    const docs: RuleDoc[] = [];
    for (const src of sources) {
      const { docs: ds, errors } = loadRuleText(src.path, src.text);
      for (const e of errors)
        this.diagnostics.push({
          path: e.path,
          line: e.line,
          id: '',
          title: '',
          status: 'error',
          reason: e.reason,
          kind: 'rule',
        });
      docs.push(...ds);
    }
    const filters: RuleDoc[] = [];
    const corrs: RuleDoc[] = [];
    for (const d of docs) {
      if (d.kind === 'rule') this.compileRuleDoc(d);
      else if (d.kind === 'filter') filters.push(d);
      else corrs.push(d);
    }
    for (const d of filters) this.compileFilterDoc(d);
    for (const d of corrs) this.compileCorrelationDoc(d);
    return this.diagnostics.slice(start);
  }

  /**
   * The compiled rules as structured-clone data (v8.serialize, postMessage, workerData), for
   * `SigmaEngine.fromSnapshot` in another thread: one compilation for several threads. Take it before
   * the first match() (correlation state is part of it).
   */
  snapshot(): EngineSnapshot {
    return {
      version: SNAPSHOT_VERSION,
      data: encodeSnapshot({
        diagnostics: this.diagnostics,
        fields: this.fields,
        rules: this.rules,
        correlations: this.correlations,
        opts: this.opts,
        byChannel: this.byChannel,
        anyChannel: this.anyChannel,
        cls: this.cls,
        eidFids: this.eidFids,
        kwFid: this.kwFid,
        variantsBySeq: this.variantsBySeq,
      }),
    };
  }

  /**
   * An engine with the rules of `snap` (from `snapshot()`), without parsing or compiling them again.
   * `options` may change what applies at match time (explain, correlate, unrouted); compile-time options
   * (placeholders, correlation bounds) are the snapshot's.
   */
  static fromSnapshot(
    snap: EngineSnapshot,
    options: Pick<EngineOptions, 'explain' | 'correlate' | 'unrouted'> = {},
  ): SigmaEngine {
    if (snap.version !== SNAPSHOT_VERSION) throw new Error('engine snapshot from another engine version');
    const s = decodeSnapshot(snap.data) as Record<string, unknown>;
    const e = new SigmaEngine([], { placeholders: {} });
    const w = e as unknown as Record<string, unknown>;
    for (const k of [
      'fields',
      'rules',
      'correlations',
      'byChannel',
      'anyChannel',
      'cls',
      'eidFids',
      'kwFid',
      'variantsBySeq',
    ])
      w[k] = s[k];
    e.diagnostics.push(...(s.diagnostics as RuleDiagnostic[]));
    const opts = { ...(s.opts as SigmaEngine['opts']) };
    if (options.explain !== undefined) opts.explain = options.explain;
    if (options.correlate !== undefined) opts.correlate = options.correlate;
    if (options.unrouted !== undefined) opts.unrouted = options.unrouted;
    w.opts = opts;
    w.ctx = new EventContext(s.fields as FieldTable);
    return e;
  }

  /** Number of rules (detections + correlations) that compiled. */
  get ruleCount(): number {
    return this.rules.length + this.correlations.length;
  }

  /** Metadata of every compiled rule and correlation. */
  get ruleMetas(): RuleMeta[] {
    return [...this.rules.map((r) => r.meta), ...this.correlations.map((c) => c.meta)];
  }

  // ---- compilation --------------------------------------------------------------------------------

  private diag(
    d: RuleDoc,
    kind: DiagKind,
    status: RuleDiagnostic['status'],
    reason?: string,
    line?: number,
    warnings?: string[],
  ): void {
    const out: RuleDiagnostic = {
      path: d.path,
      line: line ?? d.line,
      id: d.meta.id,
      title: d.meta.title,
      status,
      kind,
    };
    if (reason !== undefined) out.reason = reason;
    if (warnings && warnings.length) out.warnings = [...new Set(warnings)];
    this.diagnostics.push(out);
  }

  private env(renames?: Record<string, string>): CompileEnv {
    return {
      fieldId: (name: string) => this.fields.id(name, renames?.[name]),
      placeholders: this.opts.placeholders,
      unknownPlaceholders: this.opts.unknownPlaceholders,
      warnings: [],
    };
  }

  private fail(d: RuleDoc, kind: DiagKind, err: unknown): void {
    if (err instanceof CompileError) {
      this.diag(d, kind, err.unsupported ? 'unsupported' : 'error', err.message, d.lineOf(err.yamlPath));
    } else {
      this.diag(d, kind, 'error', `internal: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Channel routes of a logsource; null when the logsource has no channel mapping. */
  private routesOf(
    ls: LogsourceHint,
    warnings: string[],
  ): Array<{ channels: string[] | null; route?: Route }> | null {
    const all = loadLogsources();
    let product = ls.product;
    if (product === undefined && ls.category !== undefined && all.windows?.categories[ls.category])
      product = 'windows';
    if (product === undefined) return null;
    const pr = all[product];
    if (pr === undefined) return null;
    const chans = (service: string): string[] | undefined =>
      pr.services[service]?.map((c) => c.toLowerCase());
    if (ls.category !== undefined) {
      const routes = pr.categories[ls.category];
      if (routes === undefined) {
        warnings.push(
          `logsource category '${ls.category}' has no ${product} channel mapping; the rule matches only events given that logsource hint`,
        );
        return null;
      }
      const out: Array<{ channels: string[] | null; route?: Route }> = [];
      for (const r of routes) {
        const c = chans(r.service);
        if (c) out.push({ channels: c, route: r });
      }
      return out.length ? out : null;
    }
    if (ls.service !== undefined) {
      const c = chans(ls.service);
      if (c === undefined) {
        warnings.push(
          `logsource service '${ls.service}' has no ${product} channel mapping; the rule matches only events given that logsource hint`,
        );
        return null;
      }
      return [{ channels: c }];
    }
    return product === 'windows' ? [{ channels: null }] : null;
  }

  private compileRuleDoc(d: RuleDoc): void {
    const o = d.obj;
    if (!d.meta.title) return this.diag(d, 'rule', 'error', 'rule has no title', d.lineOf(['title']));
    if (o.logsource === undefined || typeof o.logsource !== 'object')
      return this.diag(d, 'rule', 'error', 'rule has no logsource', d.line);
    try {
      const env = this.env();
      const hintRoot = compileDetection(o.detection, env);
      const hintLits = requiredLiterals(hintRoot, this.eidFids, this.kwFid);
      if (hintLits) for (const l of hintLits.flat()) this.cls.add(l.lit);
      const rule: CompiledRule = {
        meta: d.meta,
        variants: [],
        hintRoot,
        hintLits,
        channelRouted: false,
        filters: [],
        links: [],
        emit: true,
      };
      if (d.name !== undefined) rule.name = d.name;
      const warnings = env.warnings;
      const routes = this.routesOf(d.meta.logsource, warnings);
      if (routes) {
        rule.channelRouted = true;
        for (const r of routes) {
          let root = hintRoot;
          const renames = r.route?.fields;
          if (renames && Object.keys(renames).length) {
            // Same tree, reading the renamed fields; recompile only when a test refers to fields itself.
            const f = this.fields;
            root =
              rebind(hintRoot, (fid) => {
                const name = f.names[fid]!;
                return f.alts[fid] === undefined && renames[name] !== undefined
                  ? f.id(name, renames[name])
                  : fid;
              }) ?? compileDetection(o.detection, this.env(renames));
          }
          let eids: Set<number> | null = null;
          const extra: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(r.route?.conditions ?? {})) {
            if (k === 'EventID') eids = new Set(v.map(Number));
            else extra[k] = v;
          }
          if (Object.keys(extra).length)
            root = new AndNode([compileSearch(extra, this.env(renames), ['logsource']), root]);
          const detEids = requiredEventIds(root, this.eidFids);
          if (detEids !== null)
            eids = eids === null ? detEids : new Set([...eids].filter((x) => detEids.has(x)));
          if (eids !== null && eids.size === 0) continue; // route can never match this detection
          const lits = requiredLiterals(root, this.eidFids, this.kwFid);
          const seq = this.variantsBySeq.length;
          const variant: Variant = { rule, root, channels: r.channels, eventIds: eids, lits, seq };
          this.variantsBySeq.push(variant);
          rule.variants.push(variant);
        }
      }
      this.rules.push(rule);
      for (const v of rule.variants) {
        if (v.lits) for (const l of v.lits.flat()) this.cls.add(l.lit);
        if (v.channels === null) this.anyChannel.push(v);
        else
          for (const c of v.channels) {
            let list = this.byChannel.get(c);
            if (!list) this.byChannel.set(c, (list = []));
            list.push(v);
          }
      }
      this.diag(d, 'rule', 'compiled', undefined, undefined, warnings);
    } catch (err) {
      this.fail(d, 'rule', err);
    }
  }

  private findRules(ref: string): CompiledRule[] {
    return this.rules.filter((r) => r.meta.id === ref || r.name === ref);
  }

  private compileFilterDoc(d: RuleDoc): void {
    const f = d.obj.filter as Record<string, unknown> | undefined;
    if (typeof f !== 'object' || f === null)
      return this.diag(d, 'filter', 'error', 'filter must be a mapping', d.lineOf(['filter']));
    const refs = Array.isArray(f.rules) ? f.rules.map(String) : typeof f.rules === 'string' ? [f.rules] : [];
    if (refs.length === 0)
      return this.diag(d, 'filter', 'error', 'filter.rules names no rule', d.lineOf(['filter']));
    try {
      const det: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(f)) if (k !== 'rules') det[k] = v;
      const env = this.env();
      const node = compileDetection(det, env, ['filter']);
      const warnings = [...env.warnings];
      for (const ref of refs) {
        const targets = this.findRules(ref);
        if (targets.length === 0) warnings.push(`filter refers to rule '${ref}', which is not loaded`);
        for (const t of targets) t.filters.push(node);
      }
      this.diag(d, 'filter', 'compiled', undefined, undefined, warnings);
    } catch (err) {
      this.fail(d, 'filter', err);
    }
  }

  private compileCorrelationDoc(d: RuleDoc): void {
    const c = d.obj.correlation as Record<string, unknown> | undefined;
    const at = (k: string): number => d.lineOf(['correlation', k]);
    if (typeof c !== 'object' || c === null)
      return this.diag(d, 'correlation', 'error', 'correlation must be a mapping', d.lineOf(['correlation']));
    const type = c.type as CorrelationType;
    const types = ['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg'];
    if (c.type === 'value_percentile')
      return this.diag(
        d,
        'correlation',
        'unsupported',
        'value_percentile correlations are not supported (the specification leaves the percentile semantics open)',
        at('type'),
      );
    if (!types.includes(String(c.type)))
      return this.diag(d, 'correlation', 'error', `unknown correlation type '${String(c.type)}'`, at('type'));
    const refs = Array.isArray(c.rules) ? c.rules.map(String) : typeof c.rules === 'string' ? [c.rules] : [];
    if (refs.length === 0)
      return this.diag(d, 'correlation', 'error', 'correlation.rules names no rule', at('rules'));
    const span = parseTimespan(c.timespan ?? c.timeframe);
    if (span === undefined)
      return this.diag(
        d,
        'correlation',
        'error',
        `invalid or missing timespan '${String(c.timespan)}' (number + s/m/h/d)`,
        at('timespan'),
      );
    const groupBy = Array.isArray(c['group-by'])
      ? c['group-by'].map(String)
      : typeof c['group-by'] === 'string'
        ? [c['group-by']]
        : [];
    const condition: CondRange = {};
    let field: string | undefined;
    const cond = c.condition;
    if (cond !== undefined) {
      if (typeof cond !== 'object' || cond === null)
        return this.diag(
          d,
          'correlation',
          'error',
          'correlation condition must be a mapping (gte: 10)',
          at('condition'),
        );
      for (const [k, v] of Object.entries(cond)) {
        if (k === 'field') field = Array.isArray(v) ? String(v[0]) : String(v);
        else if (['gt', 'gte', 'lt', 'lte', 'eq', 'neq'].includes(k) && typeof v === 'number')
          condition[k as keyof CondRange] = v;
        else
          return this.diag(
            d,
            'correlation',
            'error',
            `invalid correlation condition '${k}: ${String(v)}'`,
            at('condition'),
          );
      }
    } else if (type !== 'temporal' && type !== 'temporal_ordered')
      return this.diag(d, 'correlation', 'error', `${type} needs a condition`, at('condition'));
    if ((type === 'value_count' || type === 'value_sum' || type === 'value_avg') && field === undefined)
      return this.diag(d, 'correlation', 'error', `${type} needs condition.field`, at('condition'));
    if (Object.keys(condition).length === 0)
      condition.gte = type === 'temporal' || type === 'temporal_ordered' ? refs.length : 1;
    const aliases = (typeof c.aliases === 'object' && c.aliases !== null ? c.aliases : {}) as Record<
      string,
      Record<string, string>
    >;

    // Referenced rules: detections or earlier correlations, by id or name.
    const targets: Array<CompiledRule | CompiledCorrelation> = [];
    const targetRef: string[] = [];
    for (const ref of refs) {
      const found: Array<CompiledRule | CompiledCorrelation> = [
        ...this.findRules(ref),
        ...this.correlations.filter((x) => x.meta.id === ref || x.name === ref),
      ];
      if (found.length === 0)
        return this.diag(
          d,
          'correlation',
          'error',
          `correlation refers to rule '${ref}', which is not loaded`,
          at('rules'),
        );
      for (const f of found) {
        targets.push(f);
        targetRef.push(ref);
      }
    }
    const spec: CorrelationSpec = { type, ruleCount: refs.length, groupBy, timespanMs: span, condition };
    if (field !== undefined) spec.field = field;
    const corr: CompiledCorrelation = {
      meta: d.meta,
      state: new CorrelationState(spec, this.opts.maxCorrelationGroups, this.opts.maxCorrelationEntries),
      groupFids: [],
      valueFid: [],
      links: [],
      emit: true,
    };
    if (d.name !== undefined) corr.name = d.name;
    targets.forEach((t, i) => {
      const ref = targetRef[i]!;
      const index = refs.indexOf(ref);
      const names = [t.name, t.meta.id, ref].filter((x): x is string => x !== undefined);
      const fieldFor = (f: string): string => {
        const a = aliases[f];
        if (a) for (const n of names) if (a[n] !== undefined) return a[n]!;
        return f;
      };
      corr.groupFids[index] = groupBy.map((g) => this.fields.id(fieldFor(g)));
      corr.valueFid[index] = field !== undefined ? this.fields.id(fieldFor(field)) : -1;
      t.links.push({ corr, index });
      // Referenced rules are not reported on their own unless generate: true.
      if (c.generate !== true && d.obj.generate !== true) t.emit = false;
    });
    this.correlations.push(corr);
    this.diag(d, 'correlation', 'compiled');
  }

  // ---- routing ------------------------------------------------------------------------------------

  private buildBucket(variants: Variant[]): Bucket {
    if (!this.sealed) this.seal();
    const always: Variant[] = [];
    const filtered: Variant[] = [];
    for (const v of variants) (v.lits ? filtered : always).push(v);
    // Per field: distinct literals → list of (rule index * 4 + position kind).
    const perField = new Map<number, { pats: Map<string, number>; rules: number[][][]; lens: number[] }>();
    // A rule is a candidate when each of its (one or two) sets has a hit: group bit g in rule code.
    const single = new Uint8Array(filtered.length);
    filtered.forEach((v, ri) => {
      if (v.lits!.length === 1) single[ri] = 1;
      v.lits!.forEach((set, g) => {
        for (const l of set) {
          let pf = perField.get(l.fid);
          if (!pf) perField.set(l.fid, (pf = { pats: new Map(), rules: [], lens: [] }));
          let pid = pf.pats.get(l.lit);
          if (pid === undefined) {
            pid = pf.rules.length;
            pf.pats.set(l.lit, pid);
            pf.rules.push([[], [], [], []]);
            pf.lens.push(l.lit.length);
          }
          const code = (ri << 1) | g;
          const lst = pf.rules[pid]![l.pos]!;
          if (lst[lst.length - 1] !== code) lst.push(code);
        }
      });
    });
    // Keyword literals also go into every plain field's automaton, so the keyword pass can skip the
    // EventData values those automata already scanned (Windows XML events).
    const kwSkip = new Set<string>();
    const kw = perField.get(this.kwFid);
    if (kw) {
      for (const [fid, pf] of perField) {
        if (fid === this.kwFid || this.fields.alts[fid] !== undefined) continue;
        kwSkip.add(this.fields.names[fid]!);
        for (const [lit, kpid] of kw.pats) {
          let pid = pf.pats.get(lit);
          if (pid === undefined) {
            pid = pf.rules.length;
            pf.pats.set(lit, pid);
            pf.rules.push([[], [], [], []]);
            pf.lens.push(lit.length);
          }
          const lst = pf.rules[pid]![0]!;
          for (const code of kw.rules[kpid]![0]!) if (!lst.includes(code)) lst.push(code);
        }
      }
    }
    const scanners: Scanner[] = [];
    for (const [fid, pf] of perField) {
      const ac = new AhoCorasick([...pf.pats.keys()], this.cls);
      // CSR with four ranges per pattern, one per position kind: [pid * 4 + kind, pid * 4 + kind + 1).
      const np = pf.rules.length;
      const patStart = new Int32Array(np * 4 + 1);
      let n = 0;
      for (let i = 0; i < np; i++)
        for (let kind = 0; kind < 4; kind++) {
          patStart[i * 4 + kind] = n;
          n += pf.rules[i]![kind]!.length;
        }
      patStart[np * 4] = n;
      const patRules = new Int32Array(n);
      for (let i = 0; i < np; i++)
        for (let kind = 0; kind < 4; kind++) patRules.set(pf.rules[i]![kind]!, patStart[i * 4 + kind]!);
      const patLen = Int32Array.from(pf.lens);
      scanners.push({
        fid,
        ac,
        patStart,
        patRules,
        patLen,
        pstamp: new Int32Array(np),
        ...scannerMemo(patLen, [...pf.pats.keys()]),
      });
    }
    const kwSc = scanners.find((sc) => sc.fid === this.kwFid);
    if (kwSc !== undefined) kwSc.need = this.keywordNeed([...perField.get(this.kwFid)!.pats.keys()]);
    const readsAll =
      perField.has(this.kwFid) ||
      variants.some((v) => usesKeywords(v.root) || v.rule.filters.some(usesKeywords));
    return {
      readsAll,
      kwSkip,
      always,
      filtered,
      cand: new Int32Array(filtered.length * 2),
      single,
      queue: new Int32Array(filtered.length),
      queued: 0,
      scanners,
    };
  }

  /**
   * For the keyword pass: a short list of code units such that each pattern contains one of them (up to
   * case folding, as the automaton reads it), picking per pattern its least frequent character. The
   * keyword rule(s) of Windows channels (e.g. "Mimikatz Use") are scanned over every value no other rule
   * reads, mostly ids, numbers and names holding none of ':' '.' ' ' '\\': a few indexOf calls spare
   * their memo look-up and scan. Undefined when more than 6 code units would be needed.
   */
  private keywordNeed(patterns: string[]): string[] | undefined {
    const rank = (c: number): number => {
      const ch = String.fromCharCode(c);
      if (/[a-z0-9]/i.test(ch) || ch.toLowerCase() !== ch.toUpperCase()) return 100;
      return COMMON_CHARS.indexOf(ch) + 1;
    };
    const picked = new Set<number>();
    for (const p of patterns) {
      if (p.length === 0) return undefined;
      let best = -1;
      let bestCost = Infinity;
      for (let i = 0; i < p.length; i++) {
        const c = this.cls.label(p.charCodeAt(i));
        const cost = picked.has(c) ? -1 : rank(p.charCodeAt(i)) * 8 + this.variants(p.charCodeAt(i)).length;
        if (cost < bestCost) {
          bestCost = cost;
          best = p.charCodeAt(i);
        }
      }
      picked.add(this.cls.label(best));
      if (picked.size > 6) return undefined;
    }
    const out = new Set<string>();
    for (const p of patterns)
      for (let i = 0; i < p.length; i++)
        if (picked.has(this.cls.label(p.charCodeAt(i))))
          for (const u of this.variants(p.charCodeAt(i))) out.add(u);
    return out.size <= 6 ? [...out] : undefined;
  }

  /** Every code unit the automata read as pattern character `c` (as scan() steps: class, or folded unit). */
  private variants(c: number): string[] {
    const l = this.cls.label(c);
    let v = this.variantsOf.get(l);
    if (v === undefined) {
      v = [];
      const map = this.cls.map;
      const fold = this.cls.fold;
      for (let u = 0; u < 65536; u++) {
        const m = map[u]!;
        if ((m !== SPARSE ? m : 0x10000 + fold[u]!) === l) v.push(String.fromCharCode(u));
      }
      this.variantsOf.set(l, v);
    }
    return v;
  }

  private seal(): void {
    this.sealed = true;
    this.cls.finish();
  }

  private channelBucket(channel: string, eid: number): Bucket {
    // Channel names arrive as fresh strings (one per event): a ValueMemo finds the channel's entry
    // without hashing them.
    let ch = this.channelMemo.get(channel);
    if (ch === undefined) {
      const key = channel.toLowerCase();
      let m = this.buckets.get(key);
      if (m === undefined) {
        // Hostile input (random channel names) must not grow these maps without bound.
        if (this.buckets.size > 4096) {
          this.buckets.clear();
          this.channelMemo = new ValueMemo(16);
          this.channelMemo.get(channel); // positions the put below in the new memo
        }
        this.buckets.set(key, (m = new Map()));
      }
      ch = { key, byEid: m };
      this.channelMemo.put(channel, ch);
    }
    const key = ch.key;
    const byEid = ch.byEid;
    let b = byEid.get(eid);
    if (b === undefined) {
      const vs = [...(this.byChannel.get(key) ?? []), ...this.anyChannel].filter(
        (v) => v.eventIds === null || v.eventIds.has(eid),
      );
      // Pairs that select the same rules (unknown channels, unknown event ids) share one bucket, so the
      // number of automata is bounded by the rules, not by the input.
      const sig = vs.map((v) => v.seq).join(',');
      b = this.bucketsBySig.get(sig);
      if (b === undefined) {
        const shared = this.bucketShare?.take(sig);
        if (shared !== undefined) b = this.importBucket(shared, vs);
        if (b === undefined) {
          b = this.buildBucket(vs);
          this.bucketShare?.built(this.exportBucket(sig, b));
        }
        this.bucketsBySig.set(sig, b);
      }
      if (byEid.size > 4096) byEid.clear();
      byEid.set(eid, b);
    }
    return b;
  }

  private readonly bucketsBySig = new Map<string, Bucket>();
  private readonly variantsBySeq: Variant[] = [];

  /**
   * Lets engines with the same rules (one per worker thread) build each channel/EventID bucket's
   * automata once: before building a bucket the engine asks `take(sig)` for one built elsewhere, and
   * after building one it hands it to `built`. Set before the first match().
   */
  bucketShare: BucketShare | undefined;

  /** What must match for a bucket to be adopted: same rules, fields and character classes. */
  private fingerprint(): string {
    return `${this.rules.length}:${this.variantsBySeq.length}:${this.fields.names.length}:${this.cls.size}:${this.correlations.length}`;
  }

  private exportBucket(sig: string, b: Bucket): SharedBucket {
    return {
      fingerprint: this.fingerprint(),
      sig,
      readsAll: b.readsAll,
      kwSkip: [...b.kwSkip],
      scanners: b.scanners.map((sc) => ({
        fid: sc.fid,
        ac: sc.ac.parts(),
        patStart: sc.patStart,
        patRules: sc.patRules,
        patLen: sc.patLen,
      })),
    };
  }

  /** A bucket from another engine's exportBucket, or undefined when it does not fit these rules. */
  private importBucket(d: SharedBucket, variants: Variant[]): Bucket | undefined {
    if (d.fingerprint !== this.fingerprint() || d.sig !== variants.map((v) => v.seq).join(','))
      return undefined;
    if (!this.sealed) this.seal();
    const always: Variant[] = [];
    const filtered: Variant[] = [];
    for (const v of variants) (v.lits ? filtered : always).push(v);
    const single = new Uint8Array(filtered.length);
    filtered.forEach((v, ri) => {
      if (v.lits!.length === 1) single[ri] = 1;
    });
    const nf = this.fields.names.length;
    const scanners: Scanner[] = [];
    for (const s of d.scanners) {
      if (!(s.fid >= 0 && s.fid < nf) || s.ac.k !== this.cls.size) return undefined;
      // Rule codes index `filtered`; a foreign bucket must not point outside it.
      for (let i = 0; i < s.patRules.length; i++)
        if (s.patRules[i]! >> 1 >= filtered.length) return undefined;
      const ac = new AhoCorasick(s.ac);
      scanners.push({
        fid: s.fid,
        ac,
        patStart: s.patStart,
        patRules: s.patRules,
        patLen: s.patLen,
        pstamp: new Int32Array(s.patLen.length),
        ...scannerMemo(s.patLen, null),
      });
    }
    return {
      readsAll: d.readsAll,
      kwSkip: new Set(d.kwSkip),
      always,
      filtered,
      cand: new Int32Array(filtered.length * 2),
      single,
      queue: new Int32Array(filtered.length),
      queued: 0,
      scanners,
    };
  }

  private hintBucket(hint: LogsourceHint): Bucket {
    const cached = this.hintByObject.get(hint);
    if (cached) return cached;
    const key = `${hint.product ?? ''}|${hint.category ?? ''}|${hint.service ?? ''}`.toLowerCase();
    let b = this.hintBuckets.get(key);
    if (b === undefined) {
      const h = {
        product: hint.product?.toLowerCase(),
        category: hint.category?.toLowerCase(),
        service: hint.service?.toLowerCase(),
      };
      const vs: Variant[] = [];
      for (const r of this.rules) {
        const ls = r.meta.logsource;
        if (
          (ls.product === undefined || ls.product === h.product) &&
          (ls.category === undefined || ls.category === h.category) &&
          (ls.service === undefined || ls.service === h.service)
        )
          vs.push(this.hintVariant(r));
      }
      b = this.buildBucket(vs);
      this.hintBuckets.set(key, b);
    }
    this.hintByObject.set(hint, b);
    return b;
  }

  private readonly hintVariants = new Map<CompiledRule, Variant>();
  private hintVariant(r: CompiledRule): Variant {
    let v = this.hintVariants.get(r);
    if (!v) {
      v = { rule: r, root: r.hintRoot, channels: null, eventIds: null, lits: r.hintLits, seq: -1 };
      this.hintVariants.set(r, v);
    }
    return v;
  }

  private unrouted(): Bucket | undefined {
    if (this.opts.unrouted === 'none') return undefined;
    if (this.unroutedBucket === undefined) {
      const rules = this.opts.unrouted === 'all' ? this.rules : this.rules.filter((r) => !r.channelRouted);
      // Literal classes must be known before sealing; hint variants register theirs.
      const vs = rules.map((r) => this.hintVariant(r));
      this.unroutedBucket = this.buildBucket(vs);
    }
    return this.unroutedBucket;
  }

  /**
   * The fields a reader of Windows XML events (e.g. the EVTX reader) must render for these rules: every
   * field name the rules, filters and correlations read (with the System elements the field map points
   * to), plus `extra` (e.g. what a report shows). `full(channel, eventId)` is true when some rule for that
   * pair reads every value (keywords); events without a channel always count as full.
   */
  windowsFieldFilter(extra: readonly string[] = []): WindowsFieldFilter {
    const names = new Set<string>();
    const xml = loadFieldMaps().windows_xml;
    const add = (n: string): void => {
      for (const part of n.split('.')) names.add(part);
      for (const p of xml[n] ?? []) for (const part of p.split('.')) names.add(part);
    };
    for (let i = 0; i < this.fields.names.length; i++) {
      add(this.fields.names[i]!);
      const alt = this.fields.alts[i];
      if (alt !== undefined) add(alt);
    }
    for (const n of extra) add(n);
    for (const n of ['EventID', 'Channel']) add(n);
    const cache = new Map<string, boolean>();
    return {
      names,
      full: (channel, eventId) => {
        if (channel === undefined) return true;
        const k = `${eventId}|${channel}`;
        let f = cache.get(k);
        if (f === undefined) {
          f = this.channelBucket(channel, eventId).readsAll;
          if (cache.size > 65536) cache.clear();
          cache.set(k, f);
        }
        return f;
      },
    };
  }

  /** Build every channel bucket for the given (channel, EventID) pairs ahead of time. */
  warm(pairs: ReadonlyArray<[string, number]>): void {
    for (const [c, e] of pairs) this.channelBucket(c, e);
  }

  // ---- evaluation ---------------------------------------------------------------------------------

  // The keyword pass's callback, made once (not a closure per event).
  private kwSc: Scanner | undefined;
  private kwEp = 0;
  private kwBucket: Bucket | undefined;
  private readonly kwScan = (text: string): void => {
    const need = this.kwSc!.need;
    if (need !== undefined) {
      let i = 0;
      while (i < need.length && text.indexOf(need[i]!) < 0) i++;
      if (i === need.length) return;
    }
    this.scan(this.kwSc!, text, this.kwEp, this.kwBucket!);
  };

  private hitBuf = new Int32Array(256);
  private hitLen = 0;

  private scan(sc: Scanner, text: string, ep: number, b: Bucket): void {
    if (text.length < sc.minLen) return;
    const memoOk = text.length <= 512;
    if (memoOk) {
      const m = sc.memo.get(text);
      if (m !== undefined) {
        for (let i = 0; i < m.length; i++) this.apply(sc, m[i]! >> 2, m[i]! & 3, ep, b);
        return;
      }
    }
    const ac = sc.ac;
    const delta = ac.delta;
    const k = ac.k;
    const outFrom = ac.outFrom;
    const outStart = ac.outStart;
    const outList = ac.outList;
    const map = this.cls.map;
    const fold = this.cls.fold;
    const last = text.length - 1;
    this.hitLen = 0;
    let s = 0;
    for (let i = 0; i <= last; i++) {
      const code = text.charCodeAt(i);
      const c = map[code]!;
      s = c !== SPARSE ? delta[s * k + c]! : ac.step(s, fold[code]!);
      if (s >= outFrom) {
        const o = s - outFrom;
        for (let j = outStart[o]!; j < outStart[o + 1]!; j++) {
          const pid = outList[j]!;
          const flags = (i + 1 === sc.patLen[pid]! ? 1 : 0) | (i === last ? 2 : 0);
          this.apply(sc, pid, flags, ep, b);
          if (this.hitLen === this.hitBuf.length) {
            const nb = new Int32Array(this.hitBuf.length * 2);
            nb.set(this.hitBuf);
            this.hitBuf = nb;
          }
          this.hitBuf[this.hitLen++] = (pid << 2) | flags;
        }
      }
    }
    if (memoOk) sc.memo.put(text, this.hitLen === 0 ? NO_HITS : this.hitBuf.slice(0, this.hitLen));
  }

  /** Pattern `pid` occurs in the value (flags: 1 it starts the value, 2 it ends it): mark rules. */
  private apply(sc: Scanner, pid: number, flags: number, ep: number, b: Bucket): void {
    const patStart = sc.patStart;
    const patRules = sc.patRules;
    const base = pid * 4;
    if (sc.pstamp[pid] !== ep) {
      sc.pstamp[pid] = ep;
      for (let q = patStart[base]!; q < patStart[base + 1]!; q++) this.mark(b, patRules[q]!, ep);
    }
    if (flags & 1)
      for (let q = patStart[base + 1]!; q < patStart[base + 2]!; q++) this.mark(b, patRules[q]!, ep);
    if (flags & 2) {
      for (let q = patStart[base + 2]!; q < patStart[base + 3]!; q++) this.mark(b, patRules[q]!, ep);
      if (flags & 1)
        for (let q = patStart[base + 3]!; q < patStart[base + 4]!; q++) this.mark(b, patRules[q]!, ep);
    }
  }

  /** Requirement set `code & 1` of rule `code >> 1` is met; queue the rule once all its sets are. */
  private mark(b: Bucket, code: number, ep: number): void {
    const cand = b.cand;
    if (cand[code] === ep) return;
    cand[code] = ep;
    const ri = code >> 1;
    if (b.single[ri] === 1 || cand[code ^ 1] === ep) b.queue[b.queued++] = ri;
  }

  /**
   * Evaluate one event against every rule. Returns the matches (detections and correlations that fired);
   * the same empty array is returned when nothing matched.
   */
  match(event: unknown, options?: EvaluateOptions): readonly SigmaMatch[] {
    this.correlationInput = false;
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return EMPTY;
    const ctx = this.ctx;
    this.events++;
    ctx.reset(event as Record<string, unknown>);
    const r = ctx.resolver;
    let bucket: Bucket | undefined;
    const channel = r.channel();
    if (channel !== undefined) bucket = this.channelBucket(channel, r.eventId());
    else if (options?.hint) bucket = this.hintBucket(options.hint);
    else bucket = this.unrouted();
    if (bucket === undefined) return EMPTY;
    const ep = ctx.currentEpoch;
    const scanners = bucket.scanners;
    bucket.queued = 0;
    for (let i = 0; i < scanners.length; i++) {
      const sc = scanners[i]!;
      if (sc.fid === this.kwFid) {
        this.kwSc = sc;
        this.kwEp = ep;
        this.kwBucket = bucket;
        ctx.resolver.forEachString(this.kwScan, bucket.kwSkip, sc.scalarHit);
        continue;
      }
      const v = ctx.raw(sc.fid);
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) {
        for (const el of v)
          if (typeof el === 'string' || typeof el === 'number') this.scan(sc, String(el), ep, bucket);
      } else {
        const s = ctx.str(sc.fid);
        if (s !== undefined) this.scan(sc, s, ep, bucket);
      }
    }
    let out: SigmaMatch[] | undefined;
    const filtered = bucket.filtered;
    const queue = bucket.queue;
    const n = bucket.queued;
    bucket.queued = 0;
    // Rule order within a bucket is the load order; sort the (short) candidate list to keep it
    // (insertion sort in place: no subarray view per event).
    if (n > 1) {
      if (n <= 32)
        for (let i = 1; i < n; i++) {
          const x = queue[i]!;
          let j = i - 1;
          while (j >= 0 && queue[j]! > x) {
            queue[j + 1] = queue[j]!;
            j--;
          }
          queue[j + 1] = x;
        }
      else queue.subarray(0, n).sort();
    }
    for (let i = 0; i < n; i++) {
      const v = filtered[queue[i]!]!;
      this.evaluated++;
      if (v.root.ev(ctx)) out = this.onMatch(v, event, options, out);
    }
    const always = bucket.always;
    for (let i = 0; i < always.length; i++) {
      const v = always[i]!;
      this.evaluated++;
      if (v.root.ev(ctx)) out = this.onMatch(v, event, options, out);
    }
    return out ?? EMPTY;
  }

  private onMatch(
    v: Variant,
    event: unknown,
    options: EvaluateOptions | undefined,
    out: SigmaMatch[] | undefined,
  ): SigmaMatch[] | undefined {
    const rule = v.rule;
    for (const f of rule.filters) if (f.ev(this.ctx)) return out;
    if (rule.emit) {
      const fields: MatchedField[] = [];
      if (this.opts.explain) v.root.explain(this.ctx, fields);
      (out ??= []).push({ kind: 'detection', rule: rule.meta, fields: dedupeFields(fields) });
    }
    if (rule.links.length) {
      if (this.opts.correlate) out = this.feedLinks(rule.links, rule.meta.id, event, options, out);
      else this.correlationInput = true;
    }
    return out;
  }

  /** Number of correlation rules that compiled. */
  get correlationCount(): number {
    return this.correlations.length;
  }

  private feedLinks(
    links: CorrelationLink[],
    ruleId: string,
    event: unknown,
    options: EvaluateOptions | undefined,
    out: SigmaMatch[] | undefined,
  ): SigmaMatch[] | undefined {
    const time = options?.time ?? eventTime(event, this.ctx.resolver) ?? Date.now();
    for (const { corr, index } of links) {
      const gv = corr.groupFids[index]!.map((fid) => this.ctx.str(fid) ?? '');
      const vf = corr.valueFid[index]!;
      const info = corr.state.feed(
        index,
        ruleId,
        time,
        gv,
        vf >= 0 ? this.ctx.str(vf) : undefined,
        options?.partition,
      );
      if (!info) continue;
      if (corr.emit)
        (out ??= []).push({ kind: 'correlation', rule: corr.meta, fields: [], correlation: info });
      if (corr.links.length) out = this.feedLinks(corr.links, corr.meta.id, event, options, out);
    }
    return out;
  }

  /** Figures for benchmarks and health pages. */
  stats(): { rules: number; correlations: number; fields: number; buckets: number; automatonStates: number } {
    let buckets = 0;
    let states = 0;
    const all = [...this.bucketsBySig.values(), ...this.hintBuckets.values()];
    if (this.unroutedBucket) all.push(this.unroutedBucket);
    for (const b of new Set(all)) {
      buckets++;
      for (const s of b.scanners) states += s.ac.states;
    }
    return {
      rules: this.rules.length,
      correlations: this.correlations.length,
      fields: this.fields.names.length,
      buckets,
      automatonStates: states,
    };
  }
}

function dedupeFields(fields: MatchedField[]): MatchedField[] {
  if (fields.length < 2) return fields;
  const seen = new Set<string>();
  return fields.filter((f) => {
    const k = `${f.field}\u0000${f.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** One-shot convenience: compile `rules` (or reuse an engine) and evaluate one event. */
export function evaluate(
  rules: SigmaEngine | readonly RuleSource[],
  event: unknown,
  options?: EvaluateOptions,
): readonly SigmaMatch[] {
  const engine = rules instanceof SigmaEngine ? rules : new SigmaEngine(rules);
  return engine.match(event, options);
}
