// Public types of @mamori/sigma. Everything here is part of the stable API (see README.md).

export type Level = 'informational' | 'low' | 'medium' | 'high' | 'critical';

/** One rule file as text; `path` is used in diagnostics and carried with matches. */
export interface RuleSource {
  path: string;
  text: string;
}

/** Where an event came from, for events that carry no Windows channel (syslog, proxy, web server…). */
export interface LogsourceHint {
  product?: string;
  category?: string;
  service?: string;
}

export interface RuleMeta {
  id: string;
  title: string;
  /** Level of the rule; rules without one are `medium`. */
  level: Level;
  /** The rule's author, as the Detection Rule License requires it to be shown with every match. */
  author: string;
  tags: string[];
  status?: string;
  description?: string;
  references: string[];
  falsepositives: string[];
  logsource: LogsourceHint;
  /** Rule file the rule came from. */
  path: string;
  /** 1-based line of the rule document in its file. */
  line: number;
}

export interface MatchedField {
  /** Sigma field name as written in the rule (before any mapping). */
  field: string;
  /** The event's value that satisfied the rule. */
  value: string;
}

export interface CorrelationInfo {
  type: CorrelationType;
  /** group-by field -> value of the group that fired. */
  groupBy: Record<string, string>;
  /** Count that met the condition (events, distinct values, rules, sum or average). */
  value: number;
  /** Ids of the rules whose matches made up the correlation. */
  ruleIds: string[];
  /** Time of the first and last contributing event (ms since epoch). */
  firstSeen: number;
  lastSeen: number;
}

export interface SigmaMatch {
  kind: 'detection' | 'correlation';
  rule: RuleMeta;
  /** Fields and values that satisfied the detection (empty for keyword-only and correlation matches). */
  fields: MatchedField[];
  correlation?: CorrelationInfo;
}

export type CorrelationType =
  'event_count' | 'value_count' | 'temporal' | 'temporal_ordered' | 'value_sum' | 'value_avg';

export type RuleStatus = 'compiled' | 'unsupported' | 'error';

/** Outcome of compiling one rule document (or one file, in CheckReport). */
export interface RuleDiagnostic {
  path: string;
  /** 1-based line the reason points at (0 when unknown). */
  line: number;
  id: string;
  title: string;
  status: RuleStatus;
  /** Why the rule is unsupported or in error; absent when compiled. */
  reason?: string;
  /** Compiled but with a caveat (e.g. placeholder expanded to an empty list, logsource reachable by hint only). */
  warnings?: string[];
  kind: 'rule' | 'correlation' | 'filter';
}

export interface CheckReport {
  total: number;
  compiled: number;
  unsupported: number;
  errors: number;
  rules: Array<{
    path: string;
    id: string;
    title: string;
    status: RuleStatus;
    line?: number;
    /** Why the file is unsupported or in error; null when compiled. */
    reason: string | null;
    warnings?: string[];
  }>;
}

export interface EngineOptions {
  /**
   * Values for `|expand` placeholders (`%name%` → list of values). Defaults to data/placeholders.yml.
   * A placeholder without a value makes the rule `unsupported` unless `unknownPlaceholders` says otherwise.
   */
  placeholders?: Record<string, string[]>;
  /** 'reject' (default): rule unsupported; 'empty': the placeholder matches nothing (rule compiles with a warning). */
  unknownPlaceholders?: 'reject' | 'empty';
  /** Events without a Windows channel and without a hint: evaluate rules that have no Windows route ('non-windows', default), every rule ('all') or none. */
  unrouted?: 'non-windows' | 'all' | 'none';
  /** Bound on correlation state: groups kept per correlation rule (oldest evicted). Default 10,000. */
  maxCorrelationGroups?: number;
  /** Bound on timestamps/values kept per correlation group. Default 1,000. */
  maxCorrelationEntries?: number;
  /** Collect matched fields for each match (default true). */
  explain?: boolean;
  /**
   * Keep correlation state and report correlation matches (default true). false: correlation rules are
   * not fed; instead `correlationInput` tells after each match() whether the event fired a rule that a
   * correlation refers to, so that another engine (e.g. in one place for several threads) can correlate.
   */
  correlate?: boolean;
}

export interface EvaluateOptions {
  hint?: LogsourceHint;
  /** Event time in ms since epoch; read from the event (System.TimeCreated, @timestamp, timestamp) when absent. */
  time?: number;
  /**
   * Keeps correlation state apart per value: events of different partitions never count together, even with
   * equal group-by values (one engine shared by tenants — the SOC's prefectures). Not shown in `groupBy`.
   */
  partition?: string;
}

/** Fields of an event a report needs (hunt, alerts), read the same way the engine reads them. */
export interface EventSummary {
  timestamp?: string;
  computer?: string;
  channel?: string;
  eventId?: number;
  recordId?: number;
  provider?: string;
}
