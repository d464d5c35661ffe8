// Access is decided in one place, the platform's policy module, asked by the services. Route handlers only pass
// the request's actor along: this test fails when a handler starts deciding for itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const routesDir = fileURLToPath(new URL('../src/routes/', import.meta.url));
const forbidden: [RegExp, string][] = [
  [/\bpolicy\b/, 'uses the policy directly'],
  [/\.role\s*[!=]==/, 'compares roles'],
  [/\bpermissions\s*\.\s*(includes|some|every|indexOf)\b/, 'checks permissions'],
  // Whether an optional parameter was given is not an access decision; comparing it with another value is.
  [/\borganizationId\s*[!=]==(?!\s*(?:undefined|null)\b)/, 'compares organizations'],
  [/\bactor\s*\.\s*(kind|role|organizationId|permissions)\b/, 'inspects the actor'],
];

test('route handlers make no access decisions of their own', () => {
  const files = readdirSync(routesDir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 7, 'one file a domain');
  const problems: string[] = [];
  for (const f of files) {
    const lines = readFileSync(join(routesDir, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/^\s*(\/\/|\*)/.test(line)) return;
      for (const [re, why] of forbidden)
        if (re.test(line)) problems.push(`${f}:${i + 1} ${why}: ${line.trim()}`);
    });
  }
  assert.deepEqual(problems, []);
});
