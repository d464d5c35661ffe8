// What the platform-facing command modules share: the common options, buffered output, the error-to-exit-code
// mapping and a platform opened for one command. Commands act as the operator at the console ("system:cli" in
// the audit trail): whoever can run them can read the configuration and the database anyway.
import type { Command } from 'commander';
import { isMamoriError, loadConfig, type MamoriConfig } from '@mamori/core';
import { createLogger, createPlatform, systemContext, type Platform } from '@mamori/platform';
import { exitCodes } from '../exit-codes.js';

export interface Common {
  config?: string;
  json?: boolean;
}

export const cliContext = systemContext('cli');

export function common(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file (JSON or YAML); default $MAMORI_CONFIG')
    .option('--json', 'machine-readable output');
}

// Output is buffered and flushed with a callback: the CLI exits right after the action, and a large `--json`
// listing written to a pipe must not be cut short. Long-running commands print events with `emit` instead.
let pending = '';

export function out(text: string): void {
  pending += `${text}\n`;
}

export function json(value: unknown): void {
  pending += `${JSON.stringify(value, null, 2)}\n`;
}

/** Written at once (a worker's progress lines). */
export function emit(text: string): void {
  process.stdout.write(`${text}\n`);
}

export async function flush(): Promise<void> {
  if (pending === '') return;
  const text = pending;
  pending = '';
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
}

/** A usage mistake found after parsing (e.g. two options that exclude each other): exit code 2. */
export class UsageError extends Error {}

// Refusals of the input (exit code 3) rather than failures of the command (4).
const inputCodes = new Set([
  'MAMORI_CONFIG_INVALID',
  'MAMORI_DATA_INVALID',
  'MAMORI_VALIDATION',
  'MAMORI_BAD_REQUEST',
  'MAMORI_PASSWORD_POLICY',
  'MAMORI_NOT_FOUND',
  'MAMORI_ORG_NOT_FOUND',
  'MAMORI_USER_NOT_FOUND',
  'MAMORI_TOKEN_NOT_FOUND',
  'MAMORI_USERNAME_TAKEN',
  'MAMORI_CONFLICT',
]);

function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return exitCodes.usage;
  if (isMamoriError(err) && (inputCodes.has(err.code) || [400, 404, 409, 413].includes(err.status)))
    return exitCodes.input;
  return exitCodes.failure;
}

/** Runs a command body: errors become a message on stderr and an exit code, never a stack trace. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      await flush();
      process.exitCode = code ?? exitCodes.ok;
    } catch (err) {
      await flush();
      process.stderr.write(`mamori: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = exitCodeOf(err);
    }
  };
}

export function config(opts: Common): MamoriConfig {
  return loadConfig({ file: opts.config });
}

/** A platform for the length of one command; only warnings and errors are logged (to stderr). */
export async function withPlatform<T>(
  opts: Common,
  fn: (p: Platform, cfg: MamoriConfig) => Promise<T>,
): Promise<T> {
  const cfg = config(opts);
  const logger = createLogger({ log: { level: cfg.log.level === 'silent' ? 'silent' : 'warn' } });
  const platform = await createPlatform(cfg, { logger });
  try {
    return await fn(platform, cfg);
  } finally {
    await platform.close();
  }
}
