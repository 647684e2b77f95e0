/** Runs the CLI in-process, capturing what it writes to stdout and stderr. */
import { main } from '../../src/cli/main.js';
import { SHARED_DIR } from '../../src/shared-data.js';

export const REF = `${SHARED_DIR}/reference/compressai`;
export const TINY_HYPERPRIOR = `${REF}/bmshj2018-hyperprior-q1-tiny.pth.tar`;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  // The CLI writes strings; the test runner's own (binary, serialized) reports pass through.
  const capture = (sink: string[], orig: typeof process.stdout.write) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk === 'string') return sink.push(chunk), true;
      return (orig as (c: Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
  process.stdout.write = capture(out, origOut);
  process.stderr.write = capture(err, origErr);
  let code: number;
  try {
    code = await main(argv);
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Runs and parses the single JSON document on stdout; fails with stderr when the exit code is not 0. */
export async function runJson<T>(argv: string[]): Promise<T> {
  const r = await runCli(['--json', ...argv]);
  if (r.code !== 0) throw new Error(`advlic ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export function readF32(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
}
