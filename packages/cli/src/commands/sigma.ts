// `mamori sigma …`: the Sigma rule engine from the command line.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { bundledRulesDirs, checkRules, readRuleSources, type CheckReport } from '@mamori/sigma';
import { exitCodes } from '../exit-codes.js';

function formatText(report: CheckReport, verbose: boolean): string {
  const lines: string[] = [];
  for (const r of report.rules) {
    if (r.status === 'compiled') {
      if (verbose) lines.push(`compiled     ${r.path}${r.warnings ? `  (${r.warnings.join('; ')})` : ''}`);
      continue;
    }
    lines.push(`${r.status.padEnd(12)} ${r.path}:${r.line ?? 0}  ${r.reason ?? ''}`);
  }
  const pct = report.total ? ((report.compiled / report.total) * 100).toFixed(2) : '0.00';
  lines.push(
    `${report.total} rule files: ${report.compiled} compiled (${pct}%), ${report.unsupported} unsupported, ${report.errors} errors`,
  );
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  const sigma = program
    .command('sigma')
    .description('Sigma rules: compile and check (engine: @mamori/sigma)');

  sigma
    .command('check')
    .description(
      'Compile every Sigma rule under the given files or folders and report compiled / unsupported / error with reasons (default: the bundled SigmaHQ rules)',
    )
    .argument('[paths...]', 'rule files or folders (.yml/.yaml, searched recursively)')
    .option(
      '--json',
      'print one JSON object: total, compiled, unsupported, errors, rules[{path,id,status,reason,line}]',
    )
    .option('-v, --verbose', 'also list compiled rules and their warnings')
    .addHelpText(
      'after',
      '\nExit codes: 0 all rules compiled, 1 some rules unsupported or in error, 3 a path cannot be read.',
    )
    .action(async (paths: string[], opts: { json?: boolean; verbose?: boolean }) => {
      const roots = paths.length ? paths : bundledRulesDirs();
      for (const p of roots) {
        if (!existsSync(p))
          throw Object.assign(new Error(`no such file or folder: ${p}`), { exitCode: exitCodes.input });
      }
      const report = checkRules(readRuleSources(roots));
      const out = opts.json
        ? JSON.stringify(report, null, 2) + '\n'
        : formatText(report, Boolean(opts.verbose));
      // Wait until the output is flushed: main() exits the process right after, and pipes are asynchronous.
      await new Promise<void>((resolve, reject) =>
        process.stdout.write(out, (err) => (err ? reject(err) : resolve())),
      );
      process.exitCode = report.compiled === report.total ? exitCodes.ok : exitCodes.found;
    });
}
