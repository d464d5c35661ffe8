// Exit codes, documented in `mamori --help` and docs/cli.md. Scripts rely on them.
export const exitCodes = {
  ok: 0,
  /** The command ran but found what it looks for (hits, failed verification, findings). */
  found: 1,
  /** Bad usage: unknown option, missing argument. */
  usage: 2,
  /** Input could not be read or was invalid (file, rule, configuration). */
  input: 3,
  /** Any other failure. */
  failure: 4,
} as const;
