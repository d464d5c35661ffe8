#!/usr/bin/env node
// Runs the test suite with Node's test runner on the TypeScript sources (tsx, "development" export condition).
// Files named *.db.test.ts run once per database (SQLite, then PostgreSQL); every other *.test.ts runs once.
// Usage: node scripts/run-tests.mjs [--db sqlite|postgres|all] [--only engines|db] [path-filter…]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const dbChoice = opt('--db', 'all');
const only = opt('--only', 'all');
const filters = args;

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const all = walk(join(root, 'packages'), [])
  .concat(walk(join(root, 'scripts'), []))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
const dbFiles = all.filter((f) => f.endsWith('.db.test.ts'));
const plainFiles = all.filter((f) => !f.endsWith('.db.test.ts'));

const nodeArgs = [
  '--import',
  'tsx',
  '--conditions=development',
  '--test',
  '--test-concurrency=2',
  '--test-timeout=600000',
  '--test-reporter=spec',
];

function run(files, env, label) {
  if (files.length === 0) return 0;
  console.log(`\n=== ${label}: ${files.length} test file(s) ===`);
  const r = spawnSync(process.execPath, [...nodeArgs, ...files], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return r.status ?? 1;
}

let failed = 0;
if (only !== 'db') failed |= run(plainFiles, {}, 'engine and unit tests');
if (only !== 'engines') {
  for (const db of dbChoice === 'all' ? ['sqlite', 'postgres'] : [dbChoice]) {
    failed |= run(dbFiles, { MAMORI_TEST_DB: db }, `database tests on ${db}`);
  }
}
process.exit(failed ? 1 : 0);
