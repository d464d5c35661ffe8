// `mamori` — one command for the platform, the engines and the responders' tools.
// Each command group lives in its own module under ./commands and registers itself here.
import { Command, CommanderError } from 'commander';
import { commandModules } from './commands/index.js';
import { exitCodes } from './exit-codes.js';

export function buildProgram(): Command {
  const program = new Command('mamori')
    .description('Mamori (守り) — cybersecurity platform for Japanese local governments')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commandModules) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : exitCodes.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with code 0.
      return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mamori: ${message}\n`);
    const code = (err as { exitCode?: unknown }).exitCode;
    return typeof code === 'number' ? code : exitCodes.failure;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /[\\/]main\.(ts|js)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`mamori: ${String(err)}\n`);
      process.exit(exitCodes.failure);
    },
  );
}
