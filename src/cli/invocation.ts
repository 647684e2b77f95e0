import type { Command } from 'commander';

/**
 * The command line that invoked `cmd` ("advlic …"), as manifests record it: the root program's
 * raw arguments (main() parses its argv `from: 'user'`, so they are the user's arguments only).
 * Right also when the CLI runs in-process (tests), where process.argv is the test runner's.
 */
export function invocation(cmd: Command): string {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  return ['advlic', ...raw].join(' ');
}
