// Registered syslog sources: which sender (an address or CIDR range, or the name in its TLS client certificate)
// sends which format for which organization. Kept in soc_syslog_sources and managed over the API (soc:sources:
// prefecture operators and administrators for their prefecture and its municipalities, the state for all;
// soc:read to list, within reach), every change audited. Entries of soc.syslog.sourcesFile stay valid and are
// listed as read-only "configuration" entries; a registration may not repeat one. The live bindings the
// listeners use are rebuilt at once in the process that changed them and, elsewhere, when the table's
// fingerprint moves (refresh(), on an interval beside the listeners).
import { resolve } from 'node:path';
import { MamoriError, prefectureLgCode } from '@mamori/core';
import type { Trx } from '@mamori/store';
import type { Deps } from '../../context.js';
import { OrganizationServiceImpl, orgIdForCode, STATE_ORG_ID } from '../../orgs/service.js';
import type { RequestContext } from '../../types.js';
import { newId } from '../../util.js';
import { normalizeName, parseCidr } from '../attribution/matcher.js';
import { TableWatch } from '../table-watch.js';
import { isKnownFormat } from './bulk.js';
import { loadBindingsFile, SourceBindings, type SourceBinding } from './sources.js';

export type SyslogSourceKind = 'address' | 'cert';
export const syslogSourceKinds: readonly SyslogSourceKind[] = ['address', 'cert'];

export interface SyslogSource {
  /** `cfg-<n>` for the n-th entry of soc.syslog.sourcesFile. */
  id: string;
  /** 'registered' (API, editable) or 'configuration' (soc.syslog.sourcesFile, read-only). */
  origin: 'registered' | 'configuration';
  kind: SyslogSourceKind;
  /** Normalized: "10.22.0.0/16", "192.0.2.10/32", or a lower-case certificate name. */
  value: string;
  /** Parser id forced for the sender's lines; null: detected per line. */
  format: string | null;
  /** Registered entries always have one; a configuration entry may bind a format only. */
  organizationId: string | null;
  prefectureId: string | null;
  note: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface SyslogSourceInput {
  kind: SyslogSourceKind;
  value: string;
  /** A parser id, or null/'auto' to detect per line. */
  format?: string | null;
  organizationId: string;
  note?: string | null;
}

export type SyslogSourceChange = Partial<Omit<SyslogSourceInput, 'kind'>>;

export interface SyslogSourceService {
  list(ctx: RequestContext, query?: { organizationId?: string }): Promise<{ items: SyslogSource[] }>;
  create(ctx: RequestContext, input: SyslogSourceInput): Promise<SyslogSource>;
  update(ctx: RequestContext, id: string, change: SyslogSourceChange): Promise<SyslogSource>;
  remove(ctx: RequestContext, id: string): Promise<void>;
}

type Row = {
  id: string;
  kind: string;
  value: string;
  format: string | null;
  organization_id: string;
  prefecture_id: string;
  note: string | null;
  created_at: string;
  updated_at: string;
};

const toSource = (r: Row): SyslogSource => ({
  id: r.id,
  origin: 'registered',
  kind: r.kind as SyslogSourceKind,
  value: r.value,
  format: r.format,
  organizationId: r.organization_id,
  prefectureId: r.prefecture_id,
  note: r.note,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const bad = (reason: string): never => {
  throw new MamoriError('MAMORI_VALIDATION', { reason });
};

/** Checks and normalizes a source value (4xx with the reason when it is not one). */
export function normalizeSourceValue(kind: SyslogSourceKind, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 255)
    return bad('value is required (at most 255 characters)');
  if (kind === 'address') {
    const c = parseCidr(value);
    if (!c) return bad(`value ${JSON.stringify(value)} is not an IPv4/IPv6 address or CIDR range`);
    return c.text;
  }
  if (kind === 'cert') {
    const n = normalizeName(value);
    if (!n) return bad(`value ${JSON.stringify(value)} is not a certificate name (a DNS-style name)`);
    return n;
  }
  return bad(`kind must be one of ${syslogSourceKinds.join(', ')}`);
}

function normalizeFormat(format: unknown): string | null {
  if (format === undefined || format === null || format === '' || format === 'auto') return null;
  if (typeof format !== 'string' || !isKnownFormat(format))
    return bad(`format ${JSON.stringify(format)} is not a known parser id (or "auto")`);
  return format;
}

function normalizeNote(note: unknown): string | null {
  if (note === undefined || note === null || note === '') return null;
  if (typeof note !== 'string') return bad('note must be text');
  if (note.length > 500) return bad('note is longer than 500 characters');
  return note;
}

/** The key two entries collide on: the certificate name, or the address family and prefix bits. */
function keyOf(kind: string, value: string): { key: string; v?: 4 | 6; bits?: string } {
  if (kind === 'cert') return { key: `cert:${value.toLowerCase()}` };
  const c = parseCidr(value);
  // Not an address (a malformed file entry): SourceBindings refuses it with the reason when it is loaded.
  if (!c) return { key: `raw:${value}` };
  return { key: `v${c.v}:${c.bits}`, v: c.v, bits: c.bits };
}

export class SyslogSourceRegistry implements SyslogSourceService {
  /** What the listeners of this process look senders up in (configuration entries, then registrations). */
  readonly bindings = new SourceBindings();
  private readonly watch: TableWatch;
  private configured: SourceBinding[] = [];
  private configLoaded = false;

  constructor(
    private readonly d: Deps,
    private readonly defaultPrefectureId: string,
  ) {
    this.watch = new TableWatch(d.db, 'soc_syslog_sources', () => this.rebuild());
  }

  /** Rebuilds the live bindings from the table (and the configuration entries). */
  async load(): Promise<void> {
    await this.watch.load();
  }

  /** Rebuilds them when another process changed the registrations. */
  async refresh(): Promise<boolean> {
    return this.watch.refresh();
  }

  /**
   * Reads soc.syslog.sourcesFile (an unknown organization or a malformed file is MAMORI_CONFIG_INVALID, as
   * before: the listeners do not start on a wrong binding).
   */
  async loadConfigured(): Promise<void> {
    await this.readConfigured();
    await this.load();
  }

  private async readConfigured(): Promise<void> {
    const file = this.d.config.soc.syslog.sourcesFile;
    this.configured = file
      ? await loadBindingsFile(resolve(file), async (idOrCode) => {
          const id = /^\d{6}$/.test(idOrCode) ? orgIdForCode(idOrCode) : idOrCode;
          if (!(await this.d.directory.get(id)))
            throw new MamoriError('MAMORI_CONFIG_INVALID', {
              reason: `soc.syslog.sourcesFile: unknown organization ${idOrCode}`,
            });
          return id;
        })
      : [];
    this.configLoaded = true;
  }

  /** The configuration entries, read once (a process without listeners still lists them). */
  private async configEntries(): Promise<SourceBinding[]> {
    if (!this.configLoaded) {
      try {
        // File only (callers may be inside a transaction: no other query here).
        await this.readConfigured();
      } catch (err) {
        this.configLoaded = true;
        this.d.logger.warn({ err }, 'soc.syslog.sourcesFile could not be read; listed without it');
      }
    }
    return this.configured;
  }

  private async rebuild(): Promise<void> {
    const rows = await this.d.db.kysely.selectFrom('soc_syslog_sources').selectAll().execute();
    const taken = new Set(
      this.configured.map((b) => (b.cert ? keyOf('cert', b.cert).key : keyOf('address', b.source!).key)),
    );
    // Configuration entries carry their listed id (cfg-<n>) too, so counters name the entry that bound them.
    const list: SourceBinding[] = this.configured.map((b, i) => ({ ...b, id: `cfg-${i + 1}` }));
    // Configuration entries win a tie (a registration cannot repeat one; the file may have gained it since).
    for (const r of rows.sort((a, b) => a.id.localeCompare(b.id))) {
      if (taken.has(keyOf(r.kind, r.value).key)) continue;
      list.push({
        ...(r.kind === 'cert' ? { cert: r.value } : { source: r.value }),
        ...(r.format ? { format: r.format } : {}),
        organizationId: r.organization_id,
        id: r.id,
      });
    }
    this.bindings.replace(list);
  }

  private configSources(entries: SourceBinding[]): SyslogSource[] {
    return entries.map((b, i) => ({
      id: `cfg-${i + 1}`,
      origin: 'configuration',
      kind: b.cert ? 'cert' : 'address',
      value: b.cert ? b.cert.toLowerCase() : (parseCidr(b.source!)?.text ?? b.source!),
      format: b.format ?? null,
      organizationId: b.organizationId ?? null,
      prefectureId: null,
      note: null,
      createdAt: null,
      updatedAt: null,
    }));
  }

  async list(
    ctx: RequestContext,
    query: { organizationId?: string } = {},
  ): Promise<{ items: SyslogSource[] }> {
    await this.d.policy.assert(ctx.actor, 'soc:read');
    const scope = await this.d.policy.scope(ctx.actor!, 'soc:read');
    let q = this.d.db.kysely.selectFrom('soc_syslog_sources').selectAll();
    const cond = OrganizationServiceImpl.scopeCondition(scope, 'organization_id');
    if (cond) q = q.where(cond);
    if (query.organizationId !== undefined) q = q.where('organization_id', '=', query.organizationId);
    const rows = await q.orderBy('organization_id').orderBy('kind').orderBy('value').limit(10000).execute();
    const items: SyslogSource[] = [];
    // Configuration entries bound to no organization belong to the security cloud's prefecture.
    for (const s of this.configSources(await this.configEntries())) {
      const org = s.organizationId ?? this.defaultPrefectureId;
      if (query.organizationId !== undefined && s.organizationId !== query.organizationId) continue;
      if (await this.d.policy.can(ctx.actor, 'soc:read', { organizationId: org })) items.push(s);
    }
    items.push(...rows.map(toSource));
    return { items };
  }

  /** The prefecture a source's organization belongs to (the state for the state itself). */
  private async prefectureOf(orgId: unknown): Promise<string> {
    if (typeof orgId !== 'string' || orgId === '') return bad('organizationId is required');
    const org = await this.d.directory.get(orgId);
    if (!org) throw new MamoriError('MAMORI_ORG_NOT_FOUND');
    if (org.kind === 'state') return STATE_ORG_ID;
    if (!org.prefectureCode) return bad('a source is bound to an organization inside a prefecture');
    return orgIdForCode(prefectureLgCode(org.prefectureCode));
  }

  /**
   * Refuses a sender that is already bound: the same certificate name or range (here or in the configuration
   * file), or a range overlapping one bound to an organization the caller does not manage — a longer prefix
   * would otherwise take another tenant's sender.
   */
  private async assertFree(
    trx: Trx,
    ctx: RequestContext,
    kind: SyslogSourceKind,
    value: string,
    except?: string,
  ): Promise<void> {
    const mine = keyOf(kind, value);
    for (const b of await this.configEntries()) {
      const k = b.cert ? keyOf('cert', b.cert).key : keyOf('address', b.source!).key;
      if (k === mine.key)
        throw new MamoriError('MAMORI_CONFLICT', {
          reason: `${value} is bound in the configuration file (soc.syslog.sourcesFile)`,
        });
    }
    let q = trx.selectFrom('soc_syslog_sources').select(['id', 'kind', 'value', 'organization_id']);
    if (except) q = q.where('id', '!=', except);
    q = q.where('kind', '=', kind);
    for (const r of await q.execute()) {
      const other = keyOf(r.kind, r.value);
      if (other.key === mine.key)
        throw new MamoriError('MAMORI_CONFLICT', { reason: `${value} is already registered` });
      if (
        mine.bits !== undefined &&
        other.v === mine.v &&
        (other.bits!.startsWith(mine.bits) || mine.bits.startsWith(other.bits!)) &&
        !(await this.d.policy.can(ctx.actor, 'soc:sources', { organizationId: r.organization_id }))
      )
        throw new MamoriError('MAMORI_CONFLICT', {
          reason: `${value} overlaps a range registered for an organization outside your reach`,
        });
    }
  }

  async create(ctx: RequestContext, input: SyslogSourceInput): Promise<SyslogSource> {
    const created = await this.d.mutate(ctx, 'soc.source.create', async (trx, note) => {
      if (!input || typeof input !== 'object') return bad('a JSON object is required');
      note.organizationId = typeof input.organizationId === 'string' ? input.organizationId : null;
      await this.d.policy.assert(ctx.actor, 'soc:sources', {
        organizationId: typeof input.organizationId === 'string' ? input.organizationId : undefined,
      });
      if (!syslogSourceKinds.includes(input.kind))
        return bad(`kind must be one of ${syslogSourceKinds.join(', ')}`);
      const value = normalizeSourceValue(input.kind, input.value);
      const format = normalizeFormat(input.format);
      const prefectureId = await this.prefectureOf(input.organizationId);
      await this.assertFree(trx, ctx, input.kind, value);
      const now = this.d.now().toISOString();
      const row: Row = {
        id: newId('src'),
        kind: input.kind,
        value,
        format,
        organization_id: input.organizationId,
        prefecture_id: prefectureId,
        note: normalizeNote(input.note),
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('soc_syslog_sources').values(row).execute();
      note.target = row.id;
      note.details = { kind: row.kind, value: row.value, format: row.format };
      return toSource(row);
    });
    await this.load();
    return created;
  }

  private async get(trx: Trx, id: string): Promise<Row> {
    if (id.startsWith('cfg-'))
      throw new MamoriError('MAMORI_CONFLICT', {
        reason: 'this source is set in the configuration file (soc.syslog.sourcesFile); change it there',
      });
    const r = await trx.selectFrom('soc_syslog_sources').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new MamoriError('MAMORI_NOT_FOUND');
    return r;
  }

  /** Another tenant's registration is not disclosed: without soc:read on it, it does not exist. */
  private async assertManages(ctx: RequestContext, cur: Row): Promise<void> {
    if (!(await this.d.policy.can(ctx.actor, 'soc:read', { organizationId: cur.organization_id })))
      throw new MamoriError('MAMORI_NOT_FOUND');
    await this.d.policy.assert(ctx.actor, 'soc:sources', { organizationId: cur.organization_id });
  }

  async update(ctx: RequestContext, id: string, change: SyslogSourceChange): Promise<SyslogSource> {
    const updated = await this.d.mutate(ctx, 'soc.source.update', async (trx, note) => {
      note.target = id;
      const cur = await this.get(trx, id);
      note.organizationId = cur.organization_id;
      await this.assertManages(ctx, cur);
      if (!change || typeof change !== 'object') return bad('a JSON object is required');
      const next: Row = { ...cur, updated_at: this.d.now().toISOString() };
      if (change.organizationId !== undefined && change.organizationId !== cur.organization_id) {
        // Moving a sender to another organization: the caller must manage both.
        await this.d.policy.assert(ctx.actor, 'soc:sources', {
          organizationId: typeof change.organizationId === 'string' ? change.organizationId : undefined,
        });
        next.prefecture_id = await this.prefectureOf(change.organizationId);
        next.organization_id = change.organizationId;
      }
      if (change.value !== undefined)
        next.value = normalizeSourceValue(cur.kind as SyslogSourceKind, change.value);
      if (change.format !== undefined) next.format = normalizeFormat(change.format);
      if (change.note !== undefined) next.note = normalizeNote(change.note);
      if (next.value !== cur.value)
        await this.assertFree(trx, ctx, cur.kind as SyslogSourceKind, next.value, id);
      await trx
        .updateTable('soc_syslog_sources')
        .set({
          value: next.value,
          format: next.format,
          organization_id: next.organization_id,
          prefecture_id: next.prefecture_id,
          note: next.note,
          updated_at: next.updated_at,
        })
        .where('id', '=', id)
        .execute();
      note.details = {
        kind: cur.kind,
        from: { value: cur.value, format: cur.format, organizationId: cur.organization_id },
        to: { value: next.value, format: next.format, organizationId: next.organization_id },
      };
      return toSource(next);
    });
    await this.load();
    return updated;
  }

  async remove(ctx: RequestContext, id: string): Promise<void> {
    await this.d.mutate(ctx, 'soc.source.delete', async (trx, note) => {
      note.target = id;
      const cur = await this.get(trx, id);
      note.organizationId = cur.organization_id;
      await this.assertManages(ctx, cur);
      await trx.deleteFrom('soc_syslog_sources').where('id', '=', id).execute();
      note.details = { kind: cur.kind, value: cur.value, format: cur.format };
    });
    await this.load();
  }
}
