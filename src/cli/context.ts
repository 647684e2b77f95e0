/**
 * What every command gets from the global options: output mode and engine choice.
 * Commands print human text to stderr/stdout, or exactly one JSON document on stdout with --json.
 */
export interface CliContext {
  json: boolean;
  /** Requested engine ('ort' | 'cpu'); undefined = default (ADVLIC_ENGINE, else ort with fallback). */
  engine?: 'ort' | 'cpu';
  /** Prints a result: JSON document when --json, else the human rendering. */
  print(result: unknown, human?: () => string): void;
  /** Progress / warnings, always to stderr so stdout stays machine-readable. */
  log(message: string): void;
}

export function makeContext(opts: { json?: boolean; engine?: string }): CliContext {
  const json = Boolean(opts.json);
  return {
    json,
    engine: opts.engine === 'ort' || opts.engine === 'cpu' ? opts.engine : undefined,
    print(result, human) {
      if (json || !human) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else process.stdout.write(human() + '\n');
    },
    log(message) {
      process.stderr.write(message + '\n');
    },
  };
}
