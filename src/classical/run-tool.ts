/**
 * Running external codec tools (cjxl, opj_compress, ffmpeg, vvencapp, ...): execFile (no shell),
 * a per-call temp dir removed in `finally`, a timeout, and stderr folded into the error.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CodecError, ToolMissingError } from '../errors.js';

export interface RunToolOptions {
  /** Kill the tool after this long (default 120 s: a Kodak image takes at most a few seconds). */
  timeoutMs?: number;
  /** Codec name for messages, e.g. "jxl". */
  codec: string;
  /** Builds the error thrown on a non-zero exit (default CodecError); decoders pass BitstreamError. */
  onFailure?: (message: string, cause: unknown) => Error;
  /** How to get the tool, appended to the missing-tool message (e.g. "Debian: apt-get install libjxl-tools"). */
  installHint?: string;
}

export interface ToolOutput {
  stdout: Buffer;
  stderr: string;
}

export const DEFAULT_TOOL_TIMEOUT_MS = 120_000;

export function runTool(tool: string, args: readonly string[], opts: RunToolOptions): Promise<ToolOutput> {
  const timeout = opts.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      args,
      { timeout, killSignal: 'SIGKILL', encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => {
        const errText = stderr.toString('utf8');
        if (!err) return resolve({ stdout, stderr: errText });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        if (e.code === 'ENOENT') {
          return reject(new ToolMissingError(`${opts.codec}: tool "${tool}" not found on PATH${opts.installHint ? ` (${opts.installHint})` : ' (install it to use this codec)'}`, { cause: err }));
        }
        const why = e.killed && e.signal === 'SIGKILL' ? `timed out after ${timeout} ms` : `exit code ${String(e.code ?? e.signal)}`;
        const message = `${opts.codec}: ${tool} failed (${why}): ${lastLines(errText) || 'no stderr output'}`;
        reject(opts.onFailure ? opts.onFailure(message, err) : new CodecError(message, { cause: err }));
      },
    );
  });
}

/** Runs `fn` with a fresh private temp dir that is always removed afterwards. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `advlic-${prefix}-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Reads the file a tool was told to write. A tool that reported success but wrote no file, or
 * an empty one, is a one-line error naming the codec and the tool (CodecError, or whatever
 * `onFailure` builds: decoders pass BitstreamError), never a bare ENOENT.
 */
export async function readToolOutput(path: string, tool: string, opts: Pick<RunToolOptions, 'codec' | 'onFailure'>): Promise<Uint8Array> {
  const fail = (what: string, cause?: unknown): Error => {
    const message = `${opts.codec}: ${tool} exited successfully but ${what}`;
    return opts.onFailure ? opts.onFailure(message, cause) : new CodecError(message, cause === undefined ? {} : { cause });
  };
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw fail((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'wrote no output file' : `its output is unreadable (${(err as Error).message.split('\n')[0]})`, err);
  }
  if (bytes.length === 0) throw fail('wrote an empty output file');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const found = new Map<string, Promise<string | undefined>>();

/** Forgets the PATH look-ups made so far (after PATH changed; used by tests). */
export function resetToolCache(): void {
  found.clear();
}

/** Absolute path of an executable on PATH, or undefined; looked up once per process. */
export function findTool(tool: string): Promise<string | undefined> {
  let p = found.get(tool);
  if (!p) {
    p = lookup(tool);
    found.set(tool, p);
  }
  return p;
}

async function lookup(tool: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, tool);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Throws ToolMissingError (one line) naming every missing tool of a codec and, if given, how to get it. */
export async function requireTools(codec: string, tools: readonly string[], installHint?: string): Promise<void> {
  const missing = await missingTools(tools);
  if (missing.length) {
    throw new ToolMissingError(
      `${codec}: codec not available, tool${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} not found on PATH${installHint ? ` (${installHint})` : ''}`,
    );
  }
}

/** The tools of `tools` that are not on PATH. */
export async function missingTools(tools: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const t of tools) if (!(await findTool(t))) missing.push(t);
  return missing;
}

/** The last meaningful stderr lines, joined into one line (tools are chatty). */
function lastLines(text: string, n = 3): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.slice(-n).join(' | ').slice(0, 500);
}
