// The demo seed's ASM part: a real scan of a loopback lab gives the demo city assets and findings through
// platform.asm, once (a second run changes nothing).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';
import { DEMO_ASM_ORG, seedDemoAsm } from '../src/demo-asm.js';

let p: TestPlatform;
before(async () => {
  p = await createTestPlatform({ config: { asm: { udp: false } } as never });
});
after(async () => {
  await p?.close();
});

test(`the demo seed shows a scanned city in the ASM screens (${testDialect()})`, async () => {
  await seedDemo(p, p.system);
  const findings = (await p.asm.listFindings(p.system, { organizationId: DEMO_ASM_ORG, limit: 200 })).items;
  const checks = findings.map((f) => f.check);
  assert.ok(checks.includes('exposed-env'), checks.join(','));
  for (const c of ['exposed-git', 'exposed-backup', 'directory-listing', 'exposed-admin-login'])
    assert.ok(checks.includes(c), `${c}: ${checks.join(',')}`);
  assert.ok(findings.every((f) => f.host === '127.0.0.1'));
  const assets = (await p.asm.listAssets(p.system, { organizationId: DEMO_ASM_ORG })).items;
  assert.ok(assets.length >= 1);
  const scope = await p.asm.scope.get(p.system, DEMO_ASM_ORG);
  const root = scope.roots.find((r) => r.value === '127.0.0.1/32');
  assert.equal(root?.verificationState, 'verified');
  assert.equal(root?.attestedBy, 'admin');
  assert.ok(
    scope.roots.some((r) => r.value === 'city.shizuoka.example.lg.jp' && r.verificationState === 'pending'),
  );
  const dash = await p.asm.dashboard(p.system, { prefectureCode: '22' });
  assert.ok(dash.total.covered >= 1);
  // Idempotent.
  assert.deepEqual(await seedDemoAsm(p, p.system), { seeded: false, findings: 0 });
  assert.equal(
    (await p.asm.listFindings(p.system, { organizationId: DEMO_ASM_ORG, limit: 200 })).items.length,
    findings.length,
  );
});
