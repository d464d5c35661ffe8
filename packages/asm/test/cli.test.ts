// `mamori asm scan` argument errors: exit code 2 with a clear message, nothing scanned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const run = (args: string[]) =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', 'packages/cli/src/main.ts', 'asm', 'scan', ...args],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );

test('bad targets, port lists and resolvers are usage errors', () => {
  const cases: Array<[string[], RegExp]> = [
    [['bad!host'], /not a host name, address or CIDR range: bad!host/],
    [['127.0.0.1', '--ports', '1-x'], /bad port list item/],
    [['127.0.0.1', '--resolver', 'nope'], /--resolver needs ADDRESS\[:PORT\]/],
  ];
  for (const [args, msg] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, msg);
    assert.equal(r.stdout, '');
  }
});
