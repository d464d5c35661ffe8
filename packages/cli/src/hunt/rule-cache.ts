// Compiled-rule cache for `mamori hunt`: compiling the SigmaHQ corpus costs each worker thread about
// 2 CPU-seconds (YAML parsing and compilation); restoring a saved compilation (SigmaEngine.snapshot,
// v8-serialized) costs about half. The file is keyed by everything the compilation depends on — the rule
// files (paths and texts), the engine's code and data files, the Node.js version — so a changed rule, a
// new engine or another Node.js never reads a stale file; an unreadable file means compiling as before.
// Location: $MAMORI_CACHE_DIR (empty: no cache), else $XDG_CACHE_HOME/mamori or ~/.cache/mamori.
import { createHash, type Hash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { deserialize, serialize } from 'node:v8';
import { dataDir, SigmaEngine, type EngineSnapshot, type RuleSource } from '@mamori/sigma';

/** Cache files kept (newest first); older ones are removed when a new one is written. */
const KEEP = 4;
const PREFIX = 'hunt-rules-';

/** The cache folder, or null when caching is off. */
export function ruleCacheDir(): string | null {
  const env = process.env.MAMORI_CACHE_DIR;
  if (env !== undefined) return env === '' ? null : env;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg ? xdg : join(homedir(), '.cache'), 'mamori');
}

function hashFiles(h: Hash, dir: string, keep: (name: string) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return; // e.g. no src/ in an installed package
  }
  for (const n of names) {
    if (!keep(n)) continue;
    const p = join(dir, n);
    try {
      if (!statSync(p).isFile()) continue;
      h.update(n).update('\0').update(readFileSync(p)).update('\0');
    } catch {
      // unreadable: left out of the key (the engine could not have loaded it either)
    }
  }
}

/** Path of the cache file for these rule sources (whether it exists or not). */
export function ruleCacheFile(dir: string, sources: readonly RuleSource[]): string {
  const h = createHash('sha256');
  h.update(`mamori hunt rules 1\0${process.version}\0${process.arch}\0`);
  for (const s of sources) h.update(s.path).update('\0').update(s.text).update('\0');
  // The engine's code (sources in development, compiled files when installed) and its data files
  // (field maps, logsources, placeholders); the bundled rules are among the sources above.
  const pkg = dirname(dataDir);
  hashFiles(h, join(pkg, 'src'), (n) => n.endsWith('.ts'));
  hashFiles(h, join(pkg, 'dist'), (n) => n.endsWith('.js'));
  hashFiles(h, dataDir, (n) => n.endsWith('.yml') || n.endsWith('.yaml'));
  return join(dir, `${PREFIX}${h.digest('hex').slice(0, 40)}.bin`);
}

/** The engine saved in `file`, or undefined when there is none or it cannot be read. */
export function loadCachedEngine(file: string): SigmaEngine | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    return SigmaEngine.fromSnapshot(deserialize(bytes) as EngineSnapshot, { correlate: false });
  } catch {
    return undefined; // damaged or foreign: compile instead (and overwrite it)
  }
}

/** Save a freshly compiled engine (before its first match) and prune old files; errors are ignored. */
export function saveCachedEngine(file: string, engine: SigmaEngine): void {
  try {
    const dir = dirname(file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${threadId}.tmp`;
    writeFileSync(tmp, serialize(engine.snapshot()), { mode: 0o600 });
    renameSync(tmp, file);
    const old = readdirSync(dir)
      .filter((n) => n.startsWith(PREFIX) && n.endsWith('.bin'))
      .map((n) => ({ p: join(dir, n), t: statSync(join(dir, n)).mtimeMs }))
      .sort((a, b) => b.t - a.t)
      .slice(KEEP);
    for (const o of old) unlinkSync(o.p);
  } catch {
    // A read-only home or a full disk only costs the next run a compilation.
  }
}
