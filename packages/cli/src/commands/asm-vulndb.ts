// `mamori asm vulndb import FILE…` and `mamori asm vulndb lookup`: the known-vulnerability database in a file
// store (CVE JSON 5, NVD CVE API 2.0, CISA KEV).
import type { Command } from 'commander';
import { importFiles, loadVulnDb, saveVulnDb } from '@mamori/asm';
import type { VulnMatch } from '@mamori/asm';
import { exitCodes } from '../exit-codes.js';

const DEFAULT_DB = './var/vulndb';

interface ImportOptions {
  db: string;
  json?: boolean;
}

interface LookupOptions {
  db: string;
  json?: boolean;
  cpe?: string;
  vendor?: string;
  product?: string;
  productVersion?: string;
}

function describe(m: VulnMatch): string {
  const cvss = m.cvss ? ` CVSS ${m.cvss.score}` : '';
  const kev = m.kev ? ` KEV (added ${m.kev.dateAdded}, due ${m.kev.dueDate})` : '';
  return `${m.id}\t${m.confidence}${cvss}${kev}\t${m.reasons.join('; ')}`;
}

export function registerVulndb(asm: Command): void {
  const vulndb = asm.command('vulndb').description('known vulnerabilities: CVE JSON 5, NVD 2.0, CISA KEV');
  vulndb
    .command('import')
    .description(
      'import CVE JSON 5 records, NVD CVE API 2.0 responses/feeds or the KEV catalog (files or folders)',
    )
    .argument('<files...>', 'JSON files or folders of them')
    .option('--db <path>', 'database folder', DEFAULT_DB)
    .option('--json', 'print one JSON object per run')
    .action((files: string[], o: ImportOptions) => {
      let db;
      try {
        db = loadVulnDb(o.db);
      } catch (err) {
        process.stderr.write(`mamori: cannot read database in ${o.db}: ${(err as Error).message}\n`);
        process.exitCode = exitCodes.input;
        return;
      }
      const results = importFiles(db, files);
      const path = saveVulnDb(db, o.db);
      const failed = results.filter((r) => r.error);
      const sum = (k: 'added' | 'updated' | 'unchanged' | 'rejected' | 'kev') =>
        results.reduce((a, r) => a + (r[k] ?? 0), 0);
      const summary = {
        db: path,
        files: results.length,
        failed: failed.length,
        added: sum('added'),
        updated: sum('updated'),
        unchanged: sum('unchanged'),
        rejected: sum('rejected'),
        kev: sum('kev'),
        records: db.size,
        kevEntries: db.kevSize,
        errors: failed.map((r) => ({ file: r.file, error: r.error })),
      };
      if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else {
        process.stdout.write(
          `imported ${results.length - failed.length}/${results.length} files: ${summary.added} added, ${summary.updated} updated, ` +
            `${summary.unchanged} unchanged, ${summary.rejected} rejected, ${summary.kev} KEV entries\n` +
            `database ${path}: ${db.size} records, ${db.kevSize} KEV entries\n`,
        );
        for (const f of failed) process.stderr.write(`mamori: ${f.file}: ${f.error}\n`);
      }
      if (failed.length > 0) process.exitCode = exitCodes.input;
    });

  vulndb
    .command('lookup')
    .description('vulnerabilities affecting a product version (exit 1 when any is found)')
    .option('--cpe <cpe>', 'CPE 2.3 string, e.g. cpe:2.3:a:openbsd:openssh:8.4:p1:*:*:*:*:*:*')
    .option('--vendor <vendor>', 'vendor (optional with --product)')
    .option('--product <product>', 'product, e.g. openssh or "PAN-OS"')
    // Not --version: the root program owns that flag (it prints mamori's own version).
    .option('--product-version <version>', 'version as seen, e.g. "8.4p1 Debian-5+deb11u3"')
    .option('--db <path>', 'database folder', DEFAULT_DB)
    .option('--json', 'print one JSON object')
    .action((o: LookupOptions) => {
      if (!o.cpe && !o.product) {
        process.stderr.write('mamori: give --cpe or --product (with --product-version)\n');
        process.exitCode = exitCodes.usage;
        return;
      }
      let matches: VulnMatch[];
      try {
        const db = loadVulnDb(o.db);
        matches = db.lookup({ cpe: o.cpe, vendor: o.vendor, product: o.product, version: o.productVersion });
      } catch (err) {
        process.stderr.write(`mamori: ${(err as Error).message}\n`);
        process.exitCode = exitCodes.input;
        return;
      }
      if (o.json) process.stdout.write(JSON.stringify({ count: matches.length, matches }) + '\n');
      else if (matches.length === 0)
        process.stdout.write('no known vulnerabilities for this product/version\n');
      else process.stdout.write(matches.map(describe).join('\n') + '\n');
      if (matches.length > 0) process.exitCode = exitCodes.found;
    });
}
