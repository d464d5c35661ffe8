export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  usernameClaim: string;
}

export interface MamoriConfig {
  dataDir: string;
  database: { driver: 'sqlite' | 'postgres'; sqlitePath: string; postgresUrl: string | null };
  server: {
    host: string;
    port: number;
    publicUrl: string;
    trustProxy: boolean;
    secureCookies: boolean;
    bodyLimitBytes: number;
  };
  session: { idleMinutes: number; absoluteHours: number };
  auth: {
    lockoutThreshold: number;
    lockoutMinutes: number;
    passwordMinLength: number;
    /** base64 AES-256 key sealing TOTP secrets; null → <dataDir>/secret.key. */
    secretKey: string | null;
    /** null unless auth.oidc.issuer is set. */
    oidc: OidcConfig | null;
  };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  queue: { driver: 'memory' | 'nats'; natsUrl: string };
  /** SOC alert notification (mail, webhooks, acknowledgement deadlines). */
  notify: {
    smtpHost: string | null;
    smtpPort: number;
    smtpSecure: boolean;
    smtpUser: string | null;
    smtpPassword: string | null;
    mailFrom: string;
    ackMinutesCritical: number;
    ackMinutesHigh: number;
    ackMinutesMedium: number;
    ackMinutesLow: number;
    webhookAttempts: number;
    webhookBackoffMs: number;
    webhookAllowPrivate: boolean;
    timeoutMs: number;
  };
  /** SOC detection. */
  detect: { groupWindowMinutes: number; evidenceCap: number; replayMinutes: number };
  /** SOC pipeline: durable queue, attribution, rollups, stored events, retention. */
  soc: {
    pipeline: boolean;
    prefectureCode: string | null;
    /** Resolved: default <dataDir>/spool. */
    spoolDir: string;
    spoolSegmentMb: number;
    batchSize: number;
    natsStream: string;
    /** Lease of the active pipeline worker of a stream (distributed mode); renewed every third of it. */
    pipelineLeaseSeconds: number;
    retentionEventsDays: number;
    retentionQuarantineDays: number;
    retentionRollupsDays: number;
    retentionIntervalMinutes: number;
    /** Lease a retention pass holds; renewed every third of it. */
    retentionLeaseSeconds: number;
    archive: boolean;
    /** Resolved: default <dataDir>/archive. */
    archiveDir: string;
    /** Syslog listeners: each is off while its port is null. */
    syslog: {
      host: string;
      udpPort: number | null;
      tcpPort: number | null;
      tlsPort: number | null;
      tlsCert: string | null;
      tlsKey: string | null;
      tlsCa: string | null;
      sourcesFile: string | null;
      ratePerSource: number;
      burstPerSource: number;
      maxConnectionsPerSource: number;
    };
    /** Limits of every ingest path (syslog, HTTP bulk, file import). */
    ingest: { maxMessageBytes: number; highWater: number; lowWater: number; bulkMaxBytes: number };
  };
  /** 地方版ASM orchestration: job runner, NATS work queue, workers, scan defaults. */
  asm: {
    /** Run queued scans in this process (embedded mode, queue.driver memory). */
    runner: boolean;
    natsStream: string;
    ackWaitSeconds: number;
    maxDeliver: number;
    workerConcurrency: number;
    schedulerIntervalSeconds: number;
    /** DNS server "ADDRESS[:PORT]" for scans and TXT verification; null = the system resolver. */
    resolver: string | null;
    udp: boolean;
    /** Directory of nuclei-format templates every scan runs; null = built-in checks only. */
    templatesDir: string | null;
    timeoutMs: number;
  };
  /** PDF/Excel report rendering: font files (null = the bundled Noto Sans JP). */
  reports: { fontPath: string | null; boldFontPath: string | null };
}

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object | null ? DeepPartial<NonNullable<T[K]>> : T[K];
};
