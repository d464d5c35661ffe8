// `mamori asm templates check DIR…`: compile nuclei-format templates and report which this engine runs
// (compiled), which it deliberately does not (unsupported, with the reason) and which are broken (error).
import { existsSync, readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import {
  checkTemplates,
  compileTemplate,
  listTemplateFiles,
  nodeTransport,
  parseTemplateTarget,
  runTemplate,
  templatesDataDir,
} from '@mamori/asm';
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
  registerTemplatesRun(templates);
}

interface RunOptions {
  target: string;
  json?: boolean;
  timeout: number;
  resolver?: string;
  var?: string[];
}

/** Ad-hoc run: exactly the named target is in scope (a name is pinned to the addresses it resolves to now). */
export function registerTemplatesRun(templates: Command): void {
  templates
    .command('run')
    .description(
      'run templates against exactly one target (URL or host[:port]); nothing else is contacted. Exit 1 on a match',
    )
    .argument('<templates...>', 'template files or folders')
    .requiredOption('--target <target>', 'URL (http templates) or host[:port]')
    .option('--json', 'print one JSON object: results[] with matches, refusals and errors')
    .option('--timeout <ms>', 'per request', (v) => Number(v), 10_000)
    .option('--resolver <address:port>', 'DNS server for dns templates')
    .option('--var <name=value...>', 'template variables, e.g. username=admin')
    .action(async (paths: string[], o: RunOptions) => {
      const target = parseTemplateTarget(o.target);
      const addresses = isIP(target.host)
        ? [target.host]
        : (await lookup(target.host, { all: true })).map((a) => a.address);
      const scope = (host: string) => ({ allowed: host === target.host, addresses });
      const resolver = o.resolver ? /^\[?([^\]]+?)\]?:(\d+)$/.exec(o.resolver) : null;
      const transport = nodeTransport(
        resolver ? { dnsServer: { host: resolver[1]!, port: Number(resolver[2]) } } : {},
      );
      const variables = Object.fromEntries(
        (o.var ?? []).map((kv) => [kv.split('=')[0]!, kv.split('=').slice(1).join('=')]),
      );
      const shipped = templatesDataDir();
      const results = [];
      let matched = 0;
      for (const file of listTemplateFiles(paths)) {
        const c = compileTemplate(readFileSync(file, 'utf8'), file, { payloadRoot: shipped });
        if (!c.template) {
          results.push({ path: file, id: c.id, status: c.status, reason: c.reason });
          continue;
        }
        const r = await runTemplate(c.template, o.target, {
          transport,
          scope,
          timeoutMs: o.timeout,
          variables,
        });
        if (r.matched) matched++;
        results.push({ path: file, id: c.id, status: 'ran', ...r });
        if (!o.json) {
          for (const m of r.matches) {
            process.stdout.write(
              `[${m.severity}] ${m.templateId}${m.matcherNames.length ? `:${m.matcherNames.join(',')}` : ''} ${m.matchedAt}${m.extracted.length ? ` [${m.extracted.join(', ')}]` : ''}\n`,
            );
          }
          for (const x of r.refused) process.stderr.write(`mamori: ${c.id}: refused ${x} (out of scope)\n`);
        }
      }
      if (o.json)
        process.stdout.write(
          JSON.stringify({ target: o.target, templates: results.length, matched, results }) + '\n',
        );
      process.exitCode = matched > 0 ? exitCodes.found : exitCodes.ok;
    });
}
