import type { VersionScheme } from './version.js';

export type AffectStatus = 'affected' | 'unaffected' | 'unknown';

/** One version statement: an exact version, or a range [start, end] with inclusive/exclusive bounds. */
export interface VersionRange {
  status: 'affected' | 'unaffected';
  /** Exact version (no range). */
  exact?: string;
  /** No start bound when undefined. */
  start?: string;
  startIncluding: boolean;
  /** No end bound when undefined. */
  end?: string;
  endIncluding: boolean;
  scheme: VersionScheme;
  /** CVE 5 `changes`: from `at` on (inside the range), the status becomes `status`. */
  changes?: Array<{ at: string; status: 'affected' | 'unaffected' }>;
}

export interface AffectedProduct {
  /** Normalized (lowercase, spaces → _), as in CPE. */
  vendor: string;
  product: string;
  /** Where the statement came from. */
  origin: 'cve5-cna' | 'cve5-adp' | 'nvd';
  cpe?: string;
  ranges: VersionRange[];
  /** Status of versions no range mentions. */
  defaultStatus: AffectStatus;
  /** Every version is affected (CPE version `*` without bounds, or CVE 5 version "n/a"/"*"). */
  allVersions?: boolean;
  /** NVD: the vulnerable CPE only counts together with another platform (AND configuration). */
  conditional?: boolean;
}

export interface KevEntry {
  cveID: string;
  vendorProject: string;
  product: string;
  vulnerabilityName: string;
  dateAdded: string;
  dueDate: string;
  requiredAction: string;
  knownRansomwareCampaignUse: string;
}

export interface VulnRecord {
  id: string;
  published?: string;
  /** Last modification per source, for incremental updates. */
  modified: Partial<Record<'cve5' | 'nvd', string>>;
  summary?: string;
  cvss?: { version: string; score: number; severity: string; vector?: string };
  cwes: string[];
  affected: AffectedProduct[];
}

export interface ProductQuery {
  /** CPE 2.3 formatted string (cpe:2.3:a:vendor:product:version:update:…). */
  cpe?: string;
  vendor?: string;
  product?: string;
  /** Version as seen (a banner version like "8.4p1 Debian-5+deb11u3" is fine). */
  version?: string;
}

export interface VulnMatch {
  id: string;
  /** certain: the version is inside an affected range. potential: a distribution build that may carry a
   * backported fix, a conditional (platform-dependent) statement, or no version bounds given. */
  confidence: 'certain' | 'potential';
  reasons: string[];
  origin: AffectedProduct['origin'];
  vendor: string;
  product: string;
  cvss?: VulnRecord['cvss'];
  summary?: string;
  kev?: KevEntry;
}
