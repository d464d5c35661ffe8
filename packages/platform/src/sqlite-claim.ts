// One platform instance per SQLite file in a process. better-sqlite3 is synchronous: a second instance's
// connection waiting for the first one's write lock blocks the whole process (busy_timeout), so the first can
// never finish its transaction and release it. Separate processes wait for each other normally; within one
// process the second instance is refused at once instead. Files are keyed by their real path (symlinks and
// relative paths name one file once).
import { mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export class SqliteInUseError extends Error {
  constructor(readonly path: string) {
    super(
      `SQLite database ${path} is already open by another platform instance in this process; close that one ` +
        'first, or run the second instance as a process of its own (two connections of one process would ' +
        'block it waiting on each other)',
    );
    this.name = 'SqliteInUseError';
  }
}

const claimed = new Set<string>();

/** The file's real path; for a file not created yet, its directory's real path and its name. */
function realPathOf(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    mkdirSync(dirname(abs), { recursive: true });
    return join(realpathSync(dirname(abs)), basename(abs));
  }
}

/** Claims the file for this instance; the returned function releases it (once). */
export function claimSqliteFile(path: string): () => void {
  const key = realPathOf(path);
  if (claimed.has(key)) throw new SqliteInUseError(key);
  claimed.add(key);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    claimed.delete(key);
  };
}
