// The ingest service: who may send (policy: soc:ingest on the organization the logs are bound to), and the
// hand-off to the queue and the quarantine. HTTP bulk and file import go through it; syslog listeners are bound
// by configuration instead (a syslog sender has no credential).
import { MamoriError, type MamoriConfig } from '@mamori/core';
import { parsers } from '@mamori/parsers';
import type { Logger } from 'pino';
import type { AuditEntry } from '../../audit/chain.js';
import type { OrganizationService, PolicyService, RequestContext } from '../../types.js';
import type { EventQueue, IngestRecord } from '../types.js';
import { isKnownFormat, splitBulk, type BulkMediaType } from './bulk.js';
import { importFile, type FileImportResult } from './file-import.js';
import { defaultLimits, type SourceStats } from './limits.js';
import { startConfiguredSyslog, syslogConfigured } from './configured.js';
import type { SyslogListeners } from './syslog.js';
import type { SyslogSourceRegistry } from './registry.js';

/** Keeps lines that cannot be processed, with the reason (the pipeline's quarantine). */
export type QuarantineSink = (items: { record: IngestRecord; reason: string }[]) => Promise<void>;

export interface SocIngestDeps {
  policy: PolicyService;
  orgs: OrganizationService;
  /** Late-bound: the pipeline creates the queue. */
  queue: () => EventQueue;
  quarantine: () => QuarantineSink | undefined;
  maxLineBytes?: number;
  /** Audit trail: one record per bulk request or imported file (counts, not lines), refusals included. */
  audit?: (ctx: RequestContext, entry: AuditEntry) => Promise<void>;
  /** Prefecture of unbound senders (their counters are visible to whoever reaches it). */
  defaultPrefectureId?: () => string;
  /** For the syslog listeners (startSyslog). */
  config?: MamoriConfig;
  /**
   * Registered sources (and the configuration file's): the listeners use its live bindings, refreshed from the
   * database every `sourcesRefreshMs` (30 s) for registrations changed by another process. Without it the
   * configuration file alone binds senders, fixed at start.
   */
  sources?: SyslogSourceRegistry;
  sourcesRefreshMs?: number;
  logger?: Logger;
}

export interface BulkRequest {
  mediaType: BulkMediaType;
  body: Buffer;
  format?: string;
  /** Organization the lines belong to; default: the caller's own when it is a municipality or body. */
  organizationId?: string;
  tzOffsetMinutes?: number;
}

export interface BulkResult {
  /** Lines handed to the queue (durable). */
  accepted: number;
  /** Lines kept aside in the quarantine with a reason (malformed, too large, unknown format). */
  quarantined: number;
}

const systemCtx: RequestContext = { actor: { kind: 'system', name: 'soc-ingest' }, sourceIp: '127.0.0.1' };

export interface SyslogSourcesView {
  /** Ports of the running listeners (null: none configured in this process). */
  listening: { udp: number | null; tcp: number | null; tls: number | null } | null;
  items: SourceStats[];
}

/** One log format the parsers read (the bulk `format` parameter and a registered source's format). */
export interface LogFormatInfo {
  id: string;
  description: string;
  /** Kind of device its events come from (firewall, ips, waf, proxy, mail, dns, sandbox, endpoint, web). */
  sourceKind: string;
}

export class SocIngestService {
  private syslog: SyslogListeners | null = null;

  constructor(private readonly deps: SocIngestDeps) {}

  private get maxLineBytes(): number {
    return (
      this.deps.maxLineBytes ?? this.deps.config?.soc.ingest.maxMessageBytes ?? defaultLimits.maxMessageBytes
    );
  }

  /**
   * The organization records are bound to. Lines sent by a prefecture (or its SOC operator, or the state)
   * cover many municipalities and are attributed per event; lines from a municipality's own credential are its.
   */
  async boundOrganization(ctx: RequestContext, explicit?: string): Promise<string | undefined> {
    const actor = ctx.actor;
    const own = actor && actor.kind !== 'system' ? actor.organizationId : undefined;
    const target = explicit ?? own;
    try {
      await this.deps.policy.assert(
        actor,
        'soc:ingest',
        target === undefined ? {} : { organizationId: target },
      );
    } catch (err) {
      if (actor !== null)
        await this.deps.audit?.(ctx, {
          action: 'soc.ingest',
          result: 'denied',
          organizationId: target ?? null,
          details: { reason: 'soc:ingest not held for the organization' },
        });
      throw err;
    }
    if (explicit !== undefined) {
      // An unknown organization is a client error, not a silent binding.
      await this.deps.orgs.get(systemCtx, explicit);
      return explicit;
    }
    if (own === undefined) return undefined;
    const org = await this.deps.orgs.get(systemCtx, own);
    return org.kind === 'state' || org.kind === 'prefecture' || org.kind === 'soc_operator' ? undefined : own;
  }

  /** Splits, appends and quarantines; resolves when everything is durable (then the caller may answer 202). */
  async bulk(ctx: RequestContext, req: BulkRequest): Promise<BulkResult> {
    const organizationId = await this.boundOrganization(ctx, req.organizationId);
    const split = splitBulk({
      mediaType: req.mediaType,
      body: req.body,
      peer: ctx.sourceIp,
      maxLineBytes: this.maxLineBytes,
      ...(req.format !== undefined ? { format: req.format } : {}),
      ...(organizationId !== undefined ? { organizationId } : {}),
      ...(req.tzOffsetMinutes !== undefined ? { tzOffsetMinutes: req.tzOffsetMinutes } : {}),
    });
    const queue = this.deps.queue();
    // Backpressure for HTTP senders: above the high-water mark they are told to come back (429, Retry-After)
    // rather than the backlog growing without bound.
    const highWater = this.deps.config?.soc.ingest.highWater;
    if (highWater !== undefined && split.records.length > 0 && queue.backlog() > highWater)
      throw new MamoriError('MAMORI_RATE_LIMITED', undefined, {
        reason: `the SOC queue is behind (backlog ${queue.backlog()} above ${highWater})`,
        until: new Date(Date.now() + 2000).toISOString(),
      });
    const quarantine = this.deps.quarantine();
    if (split.rejected.length > 0 && !quarantine)
      throw new MamoriError('MAMORI_NOT_READY', { reason: 'the SOC quarantine is not available' });
    await Promise.all([
      split.records.length > 0 ? queue.append(split.records) : undefined,
      split.rejected.length > 0 ? quarantine!(split.rejected) : undefined,
    ]);
    const result = { accepted: split.records.length, quarantined: split.rejected.length };
    // Recorded after the lines are durable: the record states what the sender was acknowledged for.
    await this.deps.audit?.(ctx, {
      action: 'soc.ingest.bulk',
      result: 'success',
      organizationId: organizationId ?? null,
      details: { ...result, mediaType: req.mediaType, bytes: req.body.length, format: req.format ?? 'auto' },
    });
    return result;
  }

  /** Starts the syslog listeners the configuration asks for (null when none); the caller closes them. */
  async startSyslog(): Promise<SyslogListeners | null> {
    if (!this.deps.config) return null;
    const quarantine = this.deps.quarantine();
    const registry = this.deps.sources;
    if (registry && syslogConfigured(this.deps.config)) await registry.loadConfigured();
    const l = await startConfiguredSyslog(this.deps.config, {
      queue: this.deps.queue(),
      orgs: this.deps.orgs,
      ...(registry ? { bindings: registry.bindings } : {}),
      ...(quarantine ? { quarantine } : {}),
      ...(this.deps.logger ? { logger: this.deps.logger } : {}),
    });
    if (!l) return null;
    this.syslog = l;
    // Refusals are counted silently per datagram; the log says once a minute which senders lost what.
    const last = new Map<string, number[]>();
    const report = setInterval(() => {
      for (const s of l.stats().sources) {
        const now = [s.droppedByRate, s.droppedByBackpressure, s.tooLarge, s.refusedConnections];
        const key = `${s.transport}|${s.source}`;
        const before = last.get(key) ?? [0, 0, 0, 0];
        last.set(key, now);
        if (now.some((n, i) => n > before[i]!))
          this.deps.logger?.warn(
            {
              source: s.source,
              transport: s.transport,
              droppedByRate: now[0]! - before[0]!,
              droppedByBackpressure: now[1]! - before[1]!,
              tooLarge: now[2]! - before[2]!,
              refusedConnections: now[3]! - before[3]!,
            },
            'soc ingest: a syslog sender lost messages or connections in the last minute',
          );
      }
    }, 60_000);
    report.unref();
    // Registrations changed by another process (the API node, another listener) reach these listeners here;
    // the process that changed them has rebuilt the bindings already.
    const refresh = registry
      ? setInterval(() => {
          registry
            .refresh()
            .catch((err: unknown) =>
              this.deps.logger?.error({ err }, 'soc ingest: reloading the registered sources failed'),
            );
        }, this.deps.sourcesRefreshMs ?? 30_000)
      : null;
    refresh?.unref();
    const close = l.close.bind(l);
    l.close = async () => {
      clearInterval(report);
      if (refresh) clearInterval(refresh);
      if (this.syslog === l) this.syslog = null;
      await close();
    };
    return l;
  }

  /**
   * The syslog listeners' counters per sender, as far as the caller may see them: senders bound to an
   * organization in its soc:read reach; unbound senders for whoever reaches the security cloud's prefecture.
   */
  /** The parsers' catalogue (product data, the same for everyone who may read SOC data). */
  async formats(ctx: RequestContext): Promise<LogFormatInfo[]> {
    await this.deps.policy.assert(ctx.actor, 'soc:read');
    return parsers.map((p) => ({ id: p.id, description: p.description, sourceKind: p.sourceKind }));
  }

  async sources(ctx: RequestContext): Promise<SyslogSourcesView> {
    await this.deps.policy.assert(ctx.actor, 'soc:read');
    const l = this.syslog;
    if (!l) return { listening: null, items: [] };
    const st = l.stats();
    const visible = new Map<string, boolean>();
    const items: SourceStats[] = [];
    for (const s of st.sources) {
      const org = s.organizationId ?? this.deps.defaultPrefectureId?.() ?? null;
      const key = org ?? '';
      let ok = visible.get(key);
      if (ok === undefined) {
        ok = await this.deps.policy.can(ctx.actor, 'soc:read', { organizationId: org });
        visible.set(key, ok);
      }
      if (ok) items.push(s);
    }
    items.sort((a, b) => b.lastSeen - a.lastSeen || a.source.localeCompare(b.source));
    return {
      listening: { udp: l.udp?.port ?? null, tcp: l.tcp?.port ?? null, tls: l.tls?.port ?? null },
      items,
    };
  }

  /** One file into the queue (plain or gzip), as the CLI and imports use it. */
  async importFile(
    ctx: RequestContext,
    path: string,
    opts: {
      format?: string;
      organizationId?: string;
      tzOffsetMinutes?: number;
      transport?: string;
      /** Recorded as the peer (default: the file's base name). */
      peer?: string;
      onProgress?: (p: FileImportResult) => void;
    } = {},
  ): Promise<FileImportResult> {
    const organizationId = await this.boundOrganization(ctx, opts.organizationId);
    if (opts.format !== undefined && opts.format !== 'auto' && !isKnownFormat(opts.format))
      throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown format "${opts.format}"` });
    const quarantine = this.deps.quarantine();
    const cfg = this.deps.config?.soc.ingest;
    const result = await importFile(path, {
      queue: this.deps.queue(),
      maxLineBytes: this.maxLineBytes,
      ...(cfg ? { highWater: cfg.highWater, lowWater: Math.min(cfg.lowWater, cfg.highWater) } : {}),
      ...(opts.format && opts.format !== 'auto' ? { format: opts.format } : {}),
      ...(organizationId !== undefined ? { organizationId } : {}),
      ...(opts.tzOffsetMinutes !== undefined ? { tzOffsetMinutes: opts.tzOffsetMinutes } : {}),
      ...(opts.transport ? { transport: opts.transport } : {}),
      ...(opts.peer ? { peer: opts.peer } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(quarantine ? { quarantine: (record, reason) => quarantine([{ record, reason }]) } : {}),
    });
    await this.deps.audit?.(ctx, {
      action: 'soc.ingest.file',
      result: 'success',
      target: path,
      organizationId: organizationId ?? null,
      details: { read: result.read, queued: result.appended, tooLarge: result.tooLarge, gzip: result.gzip },
    });
    return result;
  }
}
