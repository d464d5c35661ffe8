import type { Command } from 'commander';

// Commands of this group are added here by their owner.
export function register(_program: Command): void {}
