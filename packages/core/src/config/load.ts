// Configuration: defaults < file (JSON or YAML) < MAMORI_* environment variables < overrides.
// Everything is validated against the key table; an error names the key and where its value came from.
import { readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MamoriError } from '../errors/mamori-error.js';
import { configKeys, type ConfigKeySpec } from './schema.js';
import type { DeepPartial, MamoriConfig } from './types.js';

type Flat = Map<string, { value: unknown; source: string }>;

/** MAMORI_ + the key in upper snake case: server.port → MAMORI_SERVER_PORT. */
export function envNameOf(key: string): string {
  return (
    'MAMORI_' +
    key
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()
  );
}

function flatten(obj: unknown, source: string, prefix = '', out: Flat = new Map()): Flat {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new MamoriError('MAMORI_CONFIG_INVALID', {
      reason: `${source}: expected an object at "${prefix || '.'}"`,
    });
  }
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const isSection = configKeys.some((s) => s.key.startsWith(`${key}.`));
    if (isSection && v !== null && typeof v === 'object') flatten(v, source, key, out);
    else out.set(key, { value: v, source });
  }
  return out;
}

function coerce(spec: ConfigKeySpec, raw: unknown, source: string): unknown {
  const fail = (why: string): never => {
    throw new MamoriError('MAMORI_CONFIG_INVALID', { reason: `${spec.key} (from ${source}): ${why}` });
  };
  if (raw === null || raw === undefined || raw === '') {
    return null;
  }
  switch (spec.type) {
    case 'integer': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
            ? Number(raw)
            : NaN;
      if (!Number.isInteger(n)) return fail(`expected an integer, got ${JSON.stringify(raw)}`);
      if (spec.min !== undefined && n < spec.min) return fail(`must be at least ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) return fail(`must be at most ${spec.max}`);
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      return fail(`expected true or false, got ${JSON.stringify(raw)}`);
    }
    case 'enum': {
      if (typeof raw !== 'string' || !spec.values!.includes(raw)) {
        return fail(`expected one of ${spec.values!.join(', ')}, got ${JSON.stringify(raw)}`);
      }
      return raw;
    }
    case 'url': {
      if (typeof raw !== 'string') return fail('expected a URL string');
      try {
        new URL(raw);
      } catch {
        return fail(spec.secret ? 'not a valid URL' : `not a valid URL: ${JSON.stringify(raw)}`);
      }
      return raw;
    }
    case 'string':
    case 'path':
      if (typeof raw !== 'string') return fail(`expected a string, got ${typeof raw}`);
      return raw;
  }
}

function readFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MamoriError('MAMORI_CONFIG_INVALID', {
      reason: `cannot read ${file}: ${(err as Error).message}`,
    });
  }
  try {
    return extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new MamoriError('MAMORI_CONFIG_INVALID', {
      reason: `${file} is not valid: ${(err as Error).message}`,
    });
  }
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}

export interface LoadConfigOptions {
  /** Configuration file (JSON or YAML). Default: $MAMORI_CONFIG, else none. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: DeepPartial<MamoriConfig>;
}

export function loadConfig(opts: LoadConfigOptions = {}): MamoriConfig {
  const env = opts.env ?? process.env;
  const layers: Flat[] = [];
  const file = opts.file ?? env.MAMORI_CONFIG;
  if (file) layers.push(flatten(readFile(file) ?? {}, file));
  const fromEnv: Flat = new Map();
  for (const spec of configKeys) {
    const name = envNameOf(spec.key);
    if (env[name] !== undefined) fromEnv.set(spec.key, { value: env[name], source: `$${name}` });
  }
  layers.push(fromEnv);
  if (opts.overrides) layers.push(flatten(opts.overrides, 'overrides'));

  const known = new Set(configKeys.map((s) => s.key));
  const values = new Map<string, unknown>(configKeys.map((s) => [s.key, s.default]));
  for (const layer of layers) {
    for (const [key, { value, source }] of layer) {
      if (!known.has(key)) {
        throw new MamoriError('MAMORI_CONFIG_INVALID', { reason: `unknown key "${key}" in ${source}` });
      }
      const spec = configKeys.find((s) => s.key === key)!;
      values.set(key, coerce(spec, value, source) ?? spec.default);
    }
  }

  const out: Record<string, unknown> = {};
  for (const [key, value] of values) setPath(out, key, value);
  const cfg = out as unknown as MamoriConfig & { auth: { oidc: unknown } };

  cfg.dataDir = resolve(cfg.dataDir);
  cfg.database.sqlitePath = cfg.database.sqlitePath
    ? resolve(cfg.database.sqlitePath)
    : join(cfg.dataDir, 'mamori.sqlite');
  cfg.soc.spoolDir = cfg.soc.spoolDir ? resolve(cfg.soc.spoolDir) : join(cfg.dataDir, 'spool');
  cfg.soc.archiveDir = cfg.soc.archiveDir ? resolve(cfg.soc.archiveDir) : join(cfg.dataDir, 'archive');
  if (cfg.database.driver === 'postgres' && !cfg.database.postgresUrl) {
    throw new MamoriError('MAMORI_CONFIG_INVALID', {
      reason: `database.postgresUrl (${envNameOf('database.postgresUrl')}) is required when database.driver is postgres`,
    });
  }
  cfg.server.publicUrl ??= `http://${cfg.server.host.includes(':') ? `[${cfg.server.host}]` : cfg.server.host}:${cfg.server.port}`;
  const oidc = cfg.auth.oidc as {
    issuer: string | null;
    clientId: string | null;
    clientSecret: string | null;
    usernameClaim: string;
  };
  if (oidc.issuer) {
    if (!oidc.clientId) {
      throw new MamoriError('MAMORI_CONFIG_INVALID', {
        reason: 'auth.oidc.clientId is required when auth.oidc.issuer is set',
      });
    }
    cfg.auth.oidc = {
      issuer: oidc.issuer,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      usernameClaim: oidc.usernameClaim,
    };
  } else {
    cfg.auth.oidc = null;
  }
  return cfg;
}

/** A copy safe to print or log: secret values and URL passwords are replaced. */
export function redactConfig(config: MamoriConfig): MamoriConfig {
  const copy = structuredClone(config);
  const flat = flatten(copy, 'config');
  for (const spec of configKeys) {
    if (!spec.secret) continue;
    const v = flat.get(spec.key)?.value;
    if (v !== null && v !== undefined)
      setPath(copy as unknown as Record<string, unknown>, spec.key, '[redacted]');
  }
  return copy;
}
