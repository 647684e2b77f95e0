import { Command, CommanderError } from 'commander';
import { AdvlicError } from '../errors.js';
import { makeContext, type CliContext } from './context.js';
import { loadCommands } from './commands/index.js';
import { VERSION } from '../version.js';

/**
 * The CLI as a testable function: parses argv, runs one command, returns the exit code.
 * Errors are caught here once: a one-line message (or a JSON error with --json), never a stack
 * trace unless ADVLIC_DEBUG=1.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('advlic')
    .description('Attack and defend learned image compression')
    .version(VERSION, '-V, --version')
    .option('--json', 'print one JSON document on stdout')
    .option('--engine <engine>', 'tensor engine: ort (ONNX Runtime, default) or cpu (pure JS reference)')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let ctx: CliContext | undefined;
  const getCtx = () => (ctx ??= makeContext(program.opts()));
  for (const mod of await loadCommands()) mod.register(program, getCtx);
  for (const cmd of program.commands) cmd.exitOverride();

  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    return reportError(err, argv.includes('--json'));
  }
}

export function reportError(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // --help and --version exit through here with code 0.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (process.env.ADVLIC_DEBUG === '1') console.error(err);
  if (AdvlicError.is(err)) {
    if (json) process.stdout.write(JSON.stringify(err.toJSON()) + '\n');
    process.stderr.write(`advlic: error [${err.code}]: ${err.message}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (json) process.stdout.write(JSON.stringify({ error: { code: 'E_INTERNAL', message } }) + '\n');
  process.stderr.write(`advlic: internal error: ${message.split('\n')[0]} (set ADVLIC_DEBUG=1 for details)\n`);
  return 70;
}
