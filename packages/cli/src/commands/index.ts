// The command groups of `mamori`. Each module exports `register(program)`; one module a group, one owner a module.
import type { Command } from 'commander';
import { register as platform } from './platform.js';
import { register as sigma } from './sigma.js';
import { register as hunt } from './hunt.js';
import { register as evtx } from './evtx.js';
import { register as asm } from './asm.js';
import { register as asmRun } from './asm-run.js';
import { register as ingest } from './ingest.js';
import { register as soc } from './soc.js';

export const commandModules: ReadonlyArray<(program: Command) => void> = [
  platform,
  sigma,
  hunt,
  evtx,
  asm,
  // After asm: adds run, worker and scope to the asm group.
  asmRun,
  ingest,
  soc,
];
