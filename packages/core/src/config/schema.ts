// Every configuration key: its type, default, environment variable and meaning. The loader, the
// validation errors and docs/configuration.md all follow this table. Add keys; keep defaults safe.

export type ConfigKeyType = 'string' | 'integer' | 'boolean' | 'enum' | 'url' | 'path';

export interface ConfigKeySpec {
  /** Dotted path in the configuration object, e.g. "server.port". */
  key: string;
  type: ConfigKeyType;
  /** Default value; null means unset (optional key). */
  default: string | number | boolean | null;
  /** Allowed values for type "enum". */
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Never printed or logged. */
  secret?: boolean;
  description: string;
}

export const configKeys: readonly ConfigKeySpec[] = [
  {
    key: 'dataDir',
    type: 'path',
    default: './var',
    description: 'Directory for the SQLite file, archives and other local state.',
  },
  {
    key: 'database.driver',
    type: 'enum',
    values: ['sqlite', 'postgres'],
    default: 'sqlite',
    description: 'Embedded SQLite (default) or PostgreSQL.',
  },
  {
    key: 'database.sqlitePath',
    type: 'path',
    default: null,
    description: 'SQLite file; default <dataDir>/mamori.sqlite.',
  },
  {
    key: 'database.postgresUrl',
    type: 'url',
    default: null,
    secret: true,
    description:
      'PostgreSQL connection URL (postgres://user:password@host:port/db); required when driver is postgres.',
  },
  {
    key: 'server.host',
    type: 'string',
    default: '127.0.0.1',
    description: 'Address the HTTP server listens on.',
  },
  {
    key: 'server.port',
    type: 'integer',
    default: 8080,
    min: 0,
    max: 65535,
    description: 'HTTP port (0 picks a free port).',
  },
  {
    key: 'server.publicUrl',
    type: 'url',
    default: null,
    description:
      'URL users reach the console at (links in mail, OIDC redirect); default http://<host>:<port>.',
  },
  {
    key: 'server.trustProxy',
    type: 'boolean',
    default: false,
    description: 'Trust X-Forwarded-* from a reverse proxy (source IPs in the audit trail).',
  },
  {
    key: 'server.secureCookies',
    type: 'boolean',
    default: true,
    description: 'Mark session cookies Secure (browsers accept them on http://localhost too).',
  },
  {
    key: 'server.bodyLimitBytes',
    type: 'integer',
    default: 1048576,
    min: 1024,
    description: 'Largest accepted request body.',
  },
  {
    key: 'session.idleMinutes',
    type: 'integer',
    default: 30,
    min: 1,
    description: 'A session ends after this long without a request.',
  },
  {
    key: 'session.absoluteHours',
    type: 'integer',
    default: 12,
    min: 1,
    description: 'A session ends this long after sign-in, whatever its use.',
  },
  {
    key: 'auth.lockoutThreshold',
    type: 'integer',
    default: 5,
    min: 1,
    description: 'Failed sign-ins in a row that lock an account temporarily.',
  },
  {
    key: 'auth.lockoutMinutes',
    type: 'integer',
    default: 15,
    min: 1,
    description: 'How long a locked account stays locked.',
  },
  {
    key: 'auth.passwordMinLength',
    type: 'integer',
    default: 12,
    min: 8,
    description: 'Minimum password length.',
  },
  {
    key: 'auth.secretKey',
    type: 'string',
    default: null,
    secret: true,
    description:
      'Key (32 bytes, base64) sealing TOTP secrets in the database; default: a key file created once at <dataDir>/secret.key. Distributed deployments must set the same key on every node.',
  },
  {
    key: 'auth.oidc.issuer',
    type: 'url',
    default: null,
    description: 'OpenID Connect issuer URL; setting it enables OIDC sign-in.',
  },
  { key: 'auth.oidc.clientId', type: 'string', default: null, description: 'OIDC client id.' },
  {
    key: 'auth.oidc.clientSecret',
    type: 'string',
    default: null,
    secret: true,
    description: 'OIDC client secret.',
  },
  {
    key: 'auth.oidc.usernameClaim',
    type: 'string',
    default: 'email',
    description: 'ID-token claim matched to a Mamori user name.',
  },
  {
    key: 'log.level',
    type: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    description: 'Structured log (pino) level.',
  },
  {
    key: 'queue.driver',
    type: 'enum',
    values: ['memory', 'nats'],
    default: 'memory',
    description: 'In-process job queue (default) or NATS JetStream (distributed mode).',
  },
  {
    key: 'queue.natsUrl',
    type: 'url',
    default: 'nats://127.0.0.1:4222',
    description: 'NATS server for distributed mode.',
  },
  {
    key: 'notify.smtpHost',
    type: 'string',
    default: null,
    description:
      'SMTP server SOC alert mail is handed to; unset: no alert email (webhooks and the console still work).',
  },
  {
    key: 'notify.smtpPort',
    type: 'integer',
    default: 25,
    min: 1,
    max: 65535,
    description: 'Port of the SMTP server for notification mail.',
  },
  {
    key: 'notify.smtpSecure',
    type: 'boolean',
    default: false,
    description: 'Implicit TLS (port 465); otherwise STARTTLS is used when the server offers it.',
  },
  {
    key: 'notify.smtpUser',
    type: 'string',
    default: null,
    description: 'SMTP user name, when the server requires authentication.',
  },
  {
    key: 'notify.smtpPassword',
    type: 'string',
    default: null,
    secret: true,
    description: 'SMTP password.',
  },
  {
    key: 'notify.mailFrom',
    type: 'string',
    default: 'mamori-soc@localhost',
    description: 'Sender address of SOC alert mail.',
  },
  {
    key: 'notify.ackMinutesCritical',
    type: 'integer',
    default: 15,
    min: 1,
    max: 100000,
    description: 'Acknowledgement deadline of a critical alert (minutes); unacknowledged, it escalates.',
  },
  {
    key: 'notify.ackMinutesHigh',
    type: 'integer',
    default: 60,
    min: 1,
    max: 100000,
    description: 'Acknowledgement deadline of a high alert (minutes).',
  },
  {
    key: 'notify.ackMinutesMedium',
    type: 'integer',
    default: 1440,
    min: 1,
    max: 100000,
    description: 'Acknowledgement deadline of a medium alert (minutes).',
  },
  {
    key: 'notify.ackMinutesLow',
    type: 'integer',
    default: 0,
    min: 0,
    max: 100000,
    description:
      'Acknowledgement deadline of a low alert (minutes); 0: low and informational alerts never escalate.',
  },
  {
    key: 'notify.webhookAttempts',
    type: 'integer',
    default: 4,
    min: 1,
    max: 10,
    description: 'Attempts per webhook notification (retries with exponential backoff).',
  },
  {
    key: 'notify.webhookBackoffMs',
    type: 'integer',
    default: 2000,
    min: 1,
    max: 600000,
    description: 'First retry delay of a failed webhook (doubled on each retry).',
  },
  {
    key: 'notify.webhookAllowPrivate',
    type: 'boolean',
    default: false,
    description:
      'Allow webhook URLs on loopback, private and link-local addresses (off: such destinations are refused, so a contact cannot aim requests at the internal network).',
  },
  {
    key: 'notify.timeoutMs',
    type: 'integer',
    default: 10000,
    min: 100,
    max: 120000,
    description: 'Time limit of one SMTP or webhook delivery.',
  },
  {
    key: 'detect.groupWindowMinutes',
    type: 'integer',
    default: 60,
    min: 1,
    max: 10080,
    description:
      'Sigma detections of one rule, organization and entity within this window are one alert (its count grows).',
  },
  {
    key: 'detect.evidenceCap',
    type: 'integer',
    default: 200,
    min: 1,
    max: 100000,
    description: 'Evidence event ids kept per alert (the count goes on beyond it).',
  },
  {
    key: 'detect.replayMinutes',
    type: 'integer',
    default: 10,
    min: 0,
    max: 1440,
    description:
      'At start, events committed in the last minutes go through detection again (windows rebuilt), and every event committed but not yet detected when the previous consumer stopped (the detection watermark, however old); 0: off.',
  },
  {
    key: 'soc.pipeline',
    type: 'boolean',
    default: true,
    description:
      'Run the SOC pipeline (consume the event queue: parse, attribute, roll up, detect, store) in this process; off for CLI one-shots and ingest-only nodes.',
  },
  {
    key: 'soc.prefectureCode',
    type: 'string',
    default: null,
    description:
      'Code of the prefecture whose security cloud this is (e.g. 220001): events from senders not bound to an organization belong to it; unset: to the state.',
  },
  {
    key: 'soc.spoolDir',
    type: 'path',
    default: null,
    description: 'Directory of the embedded durable event queue (segment files); default <dataDir>/spool.',
  },
  {
    key: 'soc.spoolSegmentMb',
    type: 'integer',
    default: 64,
    min: 1,
    max: 1024,
    description:
      'Size at which the embedded queue starts a new segment file (MiB); processed segments are deleted.',
  },
  {
    key: 'soc.batchSize',
    type: 'integer',
    default: 2000,
    min: 1,
    max: 20000,
    description: 'Records the pipeline processes per database transaction.',
  },
  {
    key: 'soc.pipelineLeaseSeconds',
    type: 'integer',
    default: 15,
    min: 3,
    max: 600,
    description:
      'Distributed mode: lease of the one active pipeline worker per stream (soc_leases "soc-pipeline:<stream>"), renewed every third of it; a standby takes the stream over this long after the active worker died.',
  },
  {
    key: 'soc.natsStream',
    type: 'string',
    default: 'MAMORI_SOC',
    description: 'JetStream stream (and subject prefix) of SOC events when queue.driver is nats.',
  },
  {
    key: 'soc.retentionEventsDays',
    type: 'integer',
    default: 90,
    min: 0,
    max: 36500,
    description: 'Days raw events are kept in the database (by receipt time); 0 keeps them forever.',
  },
  {
    key: 'soc.retentionQuarantineDays',
    type: 'integer',
    default: 90,
    min: 0,
    max: 36500,
    description: 'Days quarantined (malformed) lines are kept; 0 keeps them forever.',
  },
  {
    key: 'soc.retentionRollupsDays',
    type: 'integer',
    default: 0,
    min: 0,
    max: 36500,
    description: 'Days hourly rollups (monthly statistics) are kept; 0 keeps them forever.',
  },
  {
    key: 'soc.retentionIntervalMinutes',
    type: 'integer',
    default: 60,
    min: 1,
    max: 10080,
    description: 'How often retention (archive, then delete) runs.',
  },
  {
    key: 'soc.retentionLeaseSeconds',
    type: 'integer',
    default: 120,
    min: 10,
    max: 3600,
    description:
      'Lease a retention pass holds (soc_leases "soc-retention"), renewed every third of it: another instance takes retention over this long after the holder died mid-pass.',
  },
  {
    key: 'soc.archive',
    type: 'boolean',
    default: true,
    description:
      'Before deleting expired raw events, write them to gzip NDJSON files per day and organization under soc.archiveDir.',
  },
  {
    key: 'soc.archiveDir',
    type: 'path',
    default: null,
    description: 'Archive of expired raw events; default <dataDir>/archive.',
  },
  // SOC ingest: syslog listeners (off unless a port is set), limits shared with HTTP bulk and file import.
  {
    key: 'soc.syslog.host',
    type: 'string',
    default: '127.0.0.1',
    description: 'Address the syslog listeners bind to (0.0.0.0 or :: to receive from the network).',
  },
  {
    key: 'soc.syslog.udpPort',
    type: 'integer',
    default: null,
    min: 0,
    max: 65535,
    description: 'Syslog over UDP (RFC 5426; RFC 3164 and 5424 messages); unset: off.',
  },
  {
    key: 'soc.syslog.tcpPort',
    type: 'integer',
    default: null,
    min: 0,
    max: 65535,
    description:
      'Syslog over TCP (RFC 6587 octet counting or newline framing, detected per connection); unset: off.',
  },
  {
    key: 'soc.syslog.tlsPort',
    type: 'integer',
    default: null,
    min: 0,
    max: 65535,
    description: 'Syslog over TLS (RFC 5425); needs soc.syslog.tlsCert and soc.syslog.tlsKey; unset: off.',
  },
  {
    key: 'soc.syslog.tlsCert',
    type: 'path',
    default: null,
    description: 'PEM certificate (chain) of the syslog TLS listener.',
  },
  {
    key: 'soc.syslog.tlsKey',
    type: 'path',
    default: null,
    description: 'PEM private key of the syslog TLS listener.',
  },
  {
    key: 'soc.syslog.tlsCa',
    type: 'path',
    default: null,
    description: 'PEM CA certificates: when set, TLS senders must present a client certificate it signed.',
  },
  {
    key: 'soc.syslog.sourcesFile',
    type: 'path',
    default: null,
    description:
      'Registered syslog sources (JSON or YAML list): address/CIDR or TLS certificate name → format and organization.',
  },
  {
    key: 'soc.syslog.ratePerSource',
    type: 'integer',
    default: 20000,
    min: 1,
    description:
      'Messages per second per sender address: TCP/TLS senders above it are slowed down, UDP excess is dropped and counted.',
  },
  {
    key: 'soc.syslog.burstPerSource',
    type: 'integer',
    default: 40000,
    min: 1,
    description: 'Messages a sender may send at once above its rate.',
  },
  {
    key: 'soc.syslog.maxConnectionsPerSource',
    type: 'integer',
    default: 64,
    min: 1,
    description:
      'Simultaneous TCP/TLS connections one sender address may hold; more are refused and counted.',
  },
  {
    key: 'soc.ingest.maxMessageBytes',
    type: 'integer',
    default: 65536,
    min: 480,
    max: 16777216,
    description: 'Largest log line or syslog message (bytes); longer ones are quarantined as too large.',
  },
  {
    key: 'soc.ingest.highWater',
    type: 'integer',
    default: 200000,
    min: 1,
    description:
      'Queue backlog (records not yet processed) above which syslog connections and file imports pause.',
  },
  {
    key: 'soc.ingest.lowWater',
    type: 'integer',
    default: 100000,
    min: 0,
    description: 'Queue backlog below which paused syslog connections and file imports resume.',
  },
  {
    key: 'soc.ingest.bulkMaxBytes',
    type: 'integer',
    default: 16777216,
    min: 1024,
    description: 'Largest HTTP bulk ingest body, compressed and decompressed (bytes); larger: 413.',
  },
  {
    key: 'asm.runner',
    type: 'boolean',
    default: true,
    description:
      'Run queued ASM scans and due schedules in this process (embedded mode); with queue.driver nats, scans go to the work queue and `mamori asm worker` runs them.',
  },
  {
    key: 'asm.natsStream',
    type: 'string',
    default: 'MAMORI_ASM',
    description:
      'JetStream work-queue stream (and subject prefix) of ASM scan jobs when queue.driver is nats.',
  },
  {
    key: 'asm.ackWaitSeconds',
    type: 'integer',
    default: 30,
    min: 5,
    max: 3600,
    description:
      "A scan job not acknowledged (or kept alive by the worker's heartbeat) within this time is redelivered to another worker.",
  },
  {
    key: 'asm.maxDeliver',
    type: 'integer',
    default: 5,
    min: 1,
    max: 100,
    description: 'Deliveries of one scan job before it is given up (the scan is then marked failed).',
  },
  {
    key: 'asm.workerConcurrency',
    type: 'integer',
    default: 1,
    min: 1,
    max: 64,
    description: 'Scan jobs one worker (or the in-process runner) runs at once.',
  },
  {
    key: 'asm.schedulerIntervalSeconds',
    type: 'integer',
    default: 60,
    min: 1,
    max: 3600,
    description: 'How often due scan schedules are turned into queued scans.',
  },
  {
    key: 'asm.resolver',
    type: 'string',
    default: null,
    description:
      'DNS server (ADDRESS[:PORT]) for scans and for DNS TXT ownership verification; unset = the system resolver.',
  },
  {
    key: 'asm.udp',
    type: 'boolean',
    default: true,
    description: 'Send the UDP probes (DNS, NTP, SNMP, SSDP, NetBIOS, IKE) in organization scans.',
  },
  {
    key: 'asm.templatesDir',
    type: 'path',
    default: null,
    description:
      'Directory of nuclei-format templates every organization scan runs (http, dns, ssl, network); unset = built-in checks only.',
  },
  {
    key: 'asm.timeoutMs',
    type: 'integer',
    default: 1500,
    min: 100,
    max: 60000,
    description: 'Connect and probe timeout of scan probes (ms).',
  },
  {
    key: 'reports.fontPath',
    type: 'path',
    default: null,
    description:
      'TTF/OTF font with Japanese glyphs embedded in PDF reports; unset = Noto Sans JP Regular from the npm package.',
  },
  {
    key: 'reports.boldFontPath',
    type: 'path',
    default: null,
    description:
      'Bold face for PDF report headings; unset = reports.fontPath if set, else Noto Sans JP Bold.',
  },
];
