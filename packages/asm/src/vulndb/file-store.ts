// A file store for the vulnerability DB (one JSON file under a data directory), until the platform persists it.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VulnDb } from './db.js';
import type { ImportStats } from './db.js';

const FILE = 'vulndb.json';
const MAX_FILE = 512 * 1024 * 1024;

/**
 * Load the database kept in `dir`. A folder laid out like the shipped data (kev/…, samples/…) and holding no
 * vulndb.json yet is imported from its feeds, so the bundled folder can be used as a database directly.
 */
export function loadVulnDb(dir: string): VulnDb {
  const p = join(dir, FILE);
  if (existsSync(p)) return VulnDb.fromJSON(JSON.parse(readFileSync(p, 'utf8')));
  const kev = join(dir, 'kev/known_exploited_vulnerabilities.json');
  const samples = join(dir, 'samples');
  if (existsSync(kev) || existsSync(samples)) {
    const db = new VulnDb();
    const results = importFiles(
      db,
      [kev, samples].filter((x) => existsSync(x)),
    );
    const failed = results.find((r) => r.error);
    if (failed) throw new Error(`${failed.file}: ${failed.error}`);
    return db;
  }
  return new VulnDb();
}

/** Write atomically (temp file + rename), so a crash never leaves half a database. */
export function saveVulnDb(db: VulnDb, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, FILE);
  const tmp = `${p}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(db.toJSON()));
  renameSync(tmp, p);
  return p;
}

export interface FileImport extends Partial<ImportStats> {
  file: string;
  error?: string;
}

function jsonFiles(path: string, out: string[], depth = 0): void {
  if (depth > 16) return;
  if (statSync(path).isDirectory()) {
    for (const n of readdirSync(path).sort())
      if (!n.startsWith('.')) jsonFiles(join(path, n), out, depth + 1);
  } else if (path.endsWith('.json')) out.push(path);
}

/** Import files or folders of JSON documents; one bad file is reported, the rest still import. */
export function importFiles(db: VulnDb, paths: string[]): FileImport[] {
  const files: string[] = [];
  const results: FileImport[] = [];
  for (const p of paths) {
    try {
      jsonFiles(p, files);
    } catch (err) {
      results.push({ file: p, error: (err as Error).message });
    }
  }
  for (const f of files) {
    try {
      if (statSync(f).size > MAX_FILE) throw new Error('file larger than 512 MiB');
      const doc: unknown = JSON.parse(readFileSync(f, 'utf8'));
      results.push({ file: f, ...db.importDocument(doc) });
    } catch (err) {
      results.push({ file: f, error: (err as Error).message });
    }
  }
  return results;
}

/** The KEV catalog and vulnerability samples shipped with the package (data/vulndb). */
export function vulndbDataDir(): string {
  return fileURLToPath(new URL('../../data/vulndb', import.meta.url));
}

/**
 * The database the package ships, built in memory from data/vulndb (KEV catalog + sample CVE records): what a
 * scan uses when the operator has not imported feeds into a --db folder.
 */
export function bundledVulnDb(): VulnDb {
  return loadVulnDb(vulndbDataDir());
}
