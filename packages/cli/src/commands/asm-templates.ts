// `mamori asm templates check DIR…`: compile nuclei-format templates and report which this engine runs
// (compiled), which it deliberately does not (unsupported, with the reason) and which are broken (error).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { checkTemplates, templatesDataDir } from '@mamori/asm';
import { exitCodes } from '../exit-codes.js';

interface CheckOptions {
  json?: boolean;
  list?: boolean;
  payloadRoot?: string;
}

export function registerTemplates(asm: Command): void {
  const templates = asm
    .command('templates')
    .description('nuclei-format checks (templates): compile and report');
  templates
    .command('check')
    .description('compile templates and report compiled / unsupported / error with reasons')
    .argument('[dirs...]', 'template files or folders (default: the corpus shipped with Mamori)')
    .option('--json', 'print one JSON object: total, compiled, unsupported, errors, templates[]')
    .option('--list', 'also list every template that is not compiled, with its reason')
    .option('--payload-root <dir>', 'folder that payload paths (helpers/wordlists/…) are relative to')
    .action((dirs: string[], o: CheckOptions) => {
      const shipped = templatesDataDir();
      const paths = dirs.length > 0 ? dirs : ['http', 'dns', 'ssl', 'network'].map((d) => `${shipped}/${d}`);
      for (const p of paths) {
        if (!existsSync(p)) {
          process.stderr.write(`mamori: no such file or folder: ${p}\n`);
          process.exitCode = exitCodes.input;
          return;
        }
      }
      const report = checkTemplates(paths, { payloadRoot: o.payloadRoot ?? shipped });
      if (o.json) {
        process.stdout.write(JSON.stringify(report) + '\n');
        return;
      }
      const pct = (n: number) => (report.total === 0 ? '0.0' : ((100 * n) / report.total).toFixed(1));
      const lines = [
        `templates: ${report.total}`,
        `compiled: ${report.compiled} (${pct(report.compiled)}%)  unsupported: ${report.unsupported}  errors: ${report.errors}`,
        `compile time: ${Math.round(report.compileMs)} ms`,
        '',
        'by protocol (total / compiled / unsupported / errors):',
        ...Object.entries(report.byProtocol).map(
          ([p, b]) => `  ${p.padEnd(18)} ${b.total} / ${b.compiled} / ${b.unsupported} / ${b.errors}`,
        ),
      ];
      if (report.reasons.length > 0) {
        lines.push('', 'reasons:');
        for (const r of report.reasons.slice(0, 15))
          lines.push(`  ${String(r.count).padStart(5)}  ${r.reason}`);
      }
      if (o.list) {
        lines.push('');
        for (const t of report.templates)
          if (t.status !== 'compiled') lines.push(`${t.status}\t${t.path}\t${t.reason ?? ''}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}
