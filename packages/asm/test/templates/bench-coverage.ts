// `npm run bench:asm-templates`: template coverage of the shipped corpus by protocol (total, compiled,
// runnable %, top unsupported reasons), corpus compile time, and execution throughput of compiled http
// templates against a local server on 127.0.0.1 (loopback only).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  checkTemplates,
  compileTemplate,
  listTemplateFiles,
  loadCompiledTemplates,
  nodeTransport,
  runTemplate,
  templatesDataDir,
} from '../../src/templates/index.js';
import { readFileSync } from 'node:fs';
import { reasonKey } from '../../src/templates/check.js';

const root = templatesDataDir();
const dirs = ['http', 'dns', 'ssl', 'network'].map((d) => join(root, d));

const cpu0 = process.cpuUsage();
const report = checkTemplates(dirs, { payloadRoot: root });
const cpu = process.cpuUsage(cpu0);
const groups = new Map<string, { total: number; compiled: number; reasons: Map<string, number> }>();
for (const t of report.templates) {
  const top = t.path.slice(root.length + 1).split('/')[0]!;
  const g = groups.get(top) ?? { total: 0, compiled: 0, reasons: new Map() };
  g.total++;
  if (t.status === 'compiled') g.compiled++;
  else if (t.reason) g.reasons.set(reasonKey(t.reason), (g.reasons.get(reasonKey(t.reason)) ?? 0) + 1);
  groups.set(top, g);
}
const pct = (a: number, b: number) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);
console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(`corpus: ${root}`);
console.log('');
console.log('folder     total  compiled  runnable');
for (const [k, g] of groups)
  console.log(
    `${k.padEnd(9)} ${String(g.total).padStart(6)} ${String(g.compiled).padStart(9)} ${pct(g.compiled, g.total).padStart(9)}`,
  );
console.log(
  `${'all'.padEnd(9)} ${String(report.total).padStart(6)} ${String(report.compiled).padStart(9)} ${pct(report.compiled, report.total).padStart(9)}`,
);
console.log(
  `unsupported ${report.unsupported}, errors ${report.errors}, self-contained (fixed third-party hosts, scope decides) ${report.selfContained}`,
);
console.log('');
console.log('top reasons (not compiled):');
for (const r of report.reasons.slice(0, 12)) console.log(`  ${String(r.count).padStart(5)}  ${r.reason}`);
for (const [k, g] of groups) {
  const top = [...g.reasons].sort((a, b) => b[1] - a[1]).slice(0, 3);
  if (top.length) console.log(`  ${k}: ${top.map(([r, c]) => `${c}× ${r}`).join(' | ')}`);
}
console.log('');
console.log(
  `compile: ${report.total} templates in ${Math.round(report.compileMs)} ms (${Math.round((report.total * 1000) / report.compileMs)} templates/s wall; CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms), YAML parse + validation + regex/DSL compile`,
);

// Memory held by the whole compiled corpus (what a scan worker keeps loaded).
{
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const all = loadCompiledTemplates(dirs, { includeSelfContained: true }, { payloadRoot: root });
  const loadMs = performance.now() - t0;
  gc();
  const after = process.memoryUsage().heapUsed;
  console.log(
    `memory: ${all.length} compiled templates hold ${((after - before) / 1048576).toFixed(0)} MiB of heap ` +
      `(${((after - before) / all.length / 1024).toFixed(1)} KiB each); loaded in ${Math.round(loadMs)} ms`,
  );
}

// Execution: compiled http templates (not self-contained) against a local server answering 200 with a small page.
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'Content-Type': 'text/html', Server: 'nginx/1.24.0' });
  res.end('<html><head><title>Lab</title></head><body>hello</body></html>');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const limit = Number(process.env['BENCH_TEMPLATES'] ?? 1000);
const templates = listTemplateFiles([join(root, 'http')])
  .map((f) => compileTemplate(readFileSync(f, 'utf8'), f, { payloadRoot: root }).template)
  .filter((t): t is NonNullable<typeof t> => !!t && !t.selfContained)
  .slice(0, limit);
const transport = nodeTransport();
const scope = (h: string) => h === '127.0.0.1';
let requests = 0;
let matched = 0;
let errors = 0;
let skipped = 0;
const started = performance.now();
let next = 0;
const workers = Array.from({ length: 16 }, async () => {
  while (next < templates.length) {
    const t = templates[next++]!;
    const r = await runTemplate(t, base, { transport, scope, timeoutMs: 2000, maxRequests: 50 });
    requests += r.requests;
    if (r.matched) matched++;
    skipped += r.errors.filter((e) => e.startsWith('skipped request')).length;
    errors += r.errors.filter((e) => !e.startsWith('skipped request')).length;
  }
});
await Promise.all(workers);
const ms = performance.now() - started;
server.close();
console.log(
  `run: ${templates.length} http templates against 127.0.0.1 (16 concurrent, ≤50 requests each): ${requests} requests in ${Math.round(ms)} ms ` +
    `(${Math.round((requests * 1000) / ms)} req/s, ${Math.round((templates.length * 1000) / ms)} templates/s), ${matched} matched the generic page, ${skipped} requests skipped (unresolved variables), ${errors} errors (timeouts, TLS to a plain port, …)`,
);

// Vulnerability DB at scale: a synthetic NVD 2.0 feed (the real feeds are not shipped), 50,000 CVEs over
// 2,000 products with 3 ranges each; import, serialise, load back, and 10,000 lookups.
{
  const { VulnDb } = await import('../../src/vulndb/index.js');
  const N = Number(process.env['BENCH_CVES'] ?? 50_000);
  const items = Array.from({ length: N }, (_, i) => ({
    cve: {
      id: `CVE-2099-${String(i).padStart(5, '0')}`,
      published: '2099-01-01T00:00:00.000',
      lastModified: '2099-01-02T00:00:00.000',
      descriptions: [{ lang: 'en', value: 'synthetic' }],
      metrics: {},
      configurations: [
        {
          nodes: [
            {
              operator: 'OR',
              cpeMatch: [0, 1, 2].map((k) => ({
                vulnerable: true,
                criteria: `cpe:2.3:a:vendor${i % 2000}:product${i % 2000}:*:*:*:*:*:*:*:*`,
                versionStartIncluding: `${k}.0`,
                versionEndExcluding: `${k}.${(i % 50) + 1}`,
              })),
            },
          ],
        },
      ],
    },
  }));
  const feed = { format: 'NVD_CVE', version: '2.0', vulnerabilities: items };
  const db = new VulnDb();
  let t = performance.now();
  db.importDocument(feed);
  const importMs = performance.now() - t;
  t = performance.now();
  const json = JSON.stringify(db.toJSON());
  const saveMs = performance.now() - t;
  t = performance.now();
  const copy = VulnDb.fromJSON(JSON.parse(json));
  const loadMs = performance.now() - t;
  t = performance.now();
  let hits = 0;
  for (let i = 0; i < 10_000; i++)
    hits += copy.lookup({
      vendor: `vendor${i % 2000}`,
      product: `product${i % 2000}`,
      version: `1.${i % 60}`,
    }).length;
  const lookupMs = performance.now() - t;
  console.log(
    `vulndb: ${N} synthetic NVD records imported in ${Math.round(importMs)} ms; serialised ${(json.length / 1048576).toFixed(1)} MiB in ${Math.round(saveMs)} ms; ` +
      `loaded back in ${Math.round(loadMs)} ms; 10,000 lookups in ${Math.round(lookupMs)} ms (${((lookupMs * 1000) / 10_000).toFixed(0)} µs each, ${hits} matches)`,
  );
}
