// What an organization may have scanned: roots with ownership verification, exclusions, windows and limits.

export type RootKind = 'domain' | 'cidr' | 'host';
export type VerificationMethod = 'dns-txt' | 'attestation';
export type VerificationState = 'verified' | 'pending' | 'failed';

export interface Verification {
  method: VerificationMethod;
  state: VerificationState;
  /** dns-txt: the token expected in TXT `_mamori-challenge.<domain>`. */
  token?: string;
  /** attestation: who attested ownership, and when (ISO time). */
  attestedBy?: string;
  at?: string;
}

export interface ScopeRoot {
  kind: RootKind;
  /** domain: "city.example.lg.jp" (covers sub-names); cidr: "203.0.113.0/24"; host: an exact name or address. */
  value: string;
  verification: Verification;
}

/** Days 0 (Sunday)…6; hours in the window's time zone offset (JST by default), end exclusive; may wrap midnight. */
export interface ScanWindow {
  days: number[];
  startHour: number;
  endHour: number;
  /** Minutes east of UTC; 540 = JST. */
  utcOffsetMinutes?: number;
}

export interface RateLimit {
  /** New connections or datagrams per second towards this organization. */
  perSecond: number;
  /** Connections open at once towards this organization. */
  concurrency: number;
}

export interface OrgScope {
  org: string;
  roots: ScopeRoot[];
  /** Names (and their sub-names), addresses or CIDR ranges never to be touched. */
  exclusions: string[];
  windows?: ScanWindow[];
  rate?: RateLimit;
}

export interface Refusal {
  at: string;
  org: string | null;
  target: string;
  port?: number;
  reason: string;
}

export interface ScopeDecision {
  allowed: boolean;
  /** The organization whose scope admitted the target. */
  org?: string;
  /** Addresses the probe must connect to (pinned: probes never resolve again, against DNS rebinding). */
  addresses: string[];
  reason?: string;
}

/** The single gate every probe passes: built-in probes and the template engine alike. */
export type ScopeCheck = (target: string, port?: number) => Promise<ScopeDecision>;
