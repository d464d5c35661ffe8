import type { DnsRecord } from '../dns/codec.js';
import type { AxfrAttempt, MailAuth } from '../discovery/dns-discovery.js';
import type { HttpInfo } from '../fingerprint/http-analysis.js';
import type { TlsInfo } from '../fingerprint/tls-analysis.js';
import type { Finding } from '../findings/model.js';
import type { Refusal } from '../scope/types.js';
import type { ScanComparison } from './compare.js';

export interface ServiceRecord {
  /** The name the service was reached by, or its address. */
  host: string;
  address: string;
  port: number;
  transport: 'tcp' | 'udp';
  service: string;
  product: string;
  version: string;
  cpe: string;
  tls: boolean;
  starttls?: boolean;
  /** Other names (of the scanned targets) pointing at the same address. */
  otherNames?: string[];
  banner?: string;
  tlsInfo?: TlsInfo;
  http?: HttpInfo;
}

export interface DomainReport {
  name: string;
  zone: string;
  records: DnsRecord[];
  axfr: AxfrAttempt[];
  dangling: Array<{ name: string; target: string }>;
  openResolvers: Array<{ address: string; evidence: string }>;
  mail?: MailAuth;
  /** Names learned (zone transfer, enumeration, certificate SANs); leads only, not scanned unless in scope. */
  discoveredNames: string[];
  wildcard: string[] | null;
}

export interface ScanReport {
  tool: 'mamori-asm';
  version: string;
  startedAt: string;
  finishedAt: string;
  targets: string[];
  ports: { spec: string; count: number };
  refused: Refusal[];
  hosts: Array<{ host: string; addresses: string[] }>;
  services: ServiceRecord[];
  closedOrFiltered: number;
  domains: DomainReport[];
  findings: Finding[];
  risk: { score: number; counts: Record<string, number> };
  timings: Record<string, number>;
  /** Present when the scan was compared with a previous report. */
  comparison?: ScanComparison;
}
