// How the CLI tests run `mamori`: in this process (cheap on a shared machine; output captured) or as a real
// process (exit codes and stderr exactly as scripts see them), both with the test's environment.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main as cliMain } from '../src/main.js';

export const cliMainPath = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `env` is read at each call (tests set it up in `before`). */
export function cliRunner(env: () => NodeJS.ProcessEnv): {
  mamori: (...args: string[]) => Promise<CliResult>;
  mamoriProcess: (...args: string[]) => CliResult;
} {
  const mamoriProcess = (...args: string[]): CliResult => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=development', cliMainPath, ...args],
      {
        env: env(),
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  const mamori = async (...args: string[]): Promise<CliResult> => {
    const saved = { env: process.env, out: process.stdout.write, err: process.stderr.write };
    let stdout = '';
    let stderr = '';
    // The CLI writes strings; the test runner's own events (binary) pass through untouched.
    const capture =
      (sink: (s: string) => void, original: typeof process.stdout.write, stream: NodeJS.WriteStream) =>
      (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
        if (typeof chunk !== 'string')
          return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
        sink(chunk);
        const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
        if (cb) cb();
        return true;
      };
    process.env = env();
    process.exitCode = undefined;
    process.stdout.write = capture(
      (s) => (stdout += s),
      saved.out,
      process.stdout,
    ) as typeof process.stdout.write;
    process.stderr.write = capture(
      (s) => (stderr += s),
      saved.err,
      process.stderr,
    ) as typeof process.stderr.write;
    try {
      const code = await cliMain(args);
      return { code, stdout, stderr };
    } finally {
      process.stdout.write = saved.out;
      process.stderr.write = saved.err;
      process.env = saved.env;
      process.exitCode = undefined;
    }
  };
  return { mamori, mamoriProcess };
}
