import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** A CLI command: one file each under src/cli/commands/, registered in the list below. */
export interface CommandModule {
  register(program: Command, ctx: () => CliContext): void;
}

/** The list of commands, in `--help` order. */
export async function loadCommands(): Promise<CommandModule[]> {
  const modules: CommandModule[] = [];
  for (const load of COMMANDS) modules.push(await load());
  return modules;
}

const COMMANDS: Array<() => Promise<CommandModule>> = [
  () => import('./demo.js'),
  () => import('./selfcheck.js'),
  () => import('./grid.js'),
  () => import('./worker.js'),
  () => import('./report.js'),
  () => import('./metrics.js'),
  () => import('./attack.js'),
  () => import('./transfer.js'),
  () => import('./models.js'),
  () => import('./compress.js'),
  () => import('./decompress.js'),
  () => import('./eval.js'),
  () => import('./inspect.js'),
  () => import('./rd.js'),
  () => import('./defend.js'),
  () => import('./train.js'),
];
