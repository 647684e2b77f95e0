import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * bin/advlic.js re-executes itself once with glibc's malloc settings (ORT's large buffers
 * otherwise page-fault on every run). A preloaded module reports each process's view of the
 * environment; with HOLD set, the re-executed child waits instead of running the CLI.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(root, 'bin', 'advlic.js');
const built = existsSync(join(root, 'dist', 'cli', 'main.js'));
const linuxGlibc = process.platform === 'linux' && Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);

const PROBE = `data:text/javascript,${encodeURIComponent(`
process.stderr.write('probe ' + JSON.stringify({ pid: process.pid, mark: process.env.ADVLIC_MALLOC_REEXEC ?? null, mmap: process.env.MALLOC_MMAP_MAX_ ?? null, trim: process.env.MALLOC_TRIM_THRESHOLD_ ?? null }) + '\\n');
if (process.env.HOLD && process.env.ADVLIC_MALLOC_REEXEC) { setTimeout(() => process.exit(99), 20000); await new Promise(() => {}); }
`)}`;

interface Probe { pid: number; mark: string | null; mmap: string | null; trim: string | null }
interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; probes: Probe[] }

/** This environment without any malloc or re-exec variable, plus `extra`. */
const cleanEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...(Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^MALLOC_|^ADVLIC_MALLOC/.test(k))) as Record<string, string>),
  ...extra,
});

/** Runs bin/advlic.js; `onProbes` sees every process's report as it arrives. */
function runBin(args: string[], env: Record<string, string>, onProbes?: (probes: Probe[], kill: (s: NodeJS.Signals) => void) => void): Promise<Run> {
  // detached: a session of its own, without a controlling terminal (the parent forwards Ctrl-C
  // only when no terminal delivers it to the child as well).
  const child = spawn(process.execPath, ['--import', PROBE, BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  const probes = (): Probe[] => stderr.split('\n').filter((l) => l.startsWith('probe ')).map((l) => JSON.parse(l.slice(6)) as Probe);
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    onProbes?.(probes(), (s) => child.kill(s));
  });
  return new Promise((res) => child.on('exit', (code, signal) => res({ code, signal, stdout, probes: probes() })));
}

const opts = { skip: !built || !linuxGlibc ? 'needs dist/ (npm run build) and glibc Linux' : false };

test('bin: re-executes once with the malloc settings, same exit code and output', opts, async () => {
  const r = await runBin(['--version'], cleanEnv());
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  assert.equal(r.probes.length, 2, 'exactly one re-exec');
  assert.deepEqual([r.probes[0]!.mark, r.probes[0]!.mmap], [null, null]);
  assert.deepEqual([r.probes[1]!.mark, r.probes[1]!.mmap, r.probes[1]!.trim], ['1', '0', '17179869184']);
});

test('bin: a user-set value is kept; an exit code comes through the child', opts, async () => {
  const r = await runBin(['no-such-command'], cleanEnv({ MALLOC_TRIM_THRESHOLD_: '123' }));
  assert.equal(r.code, 2);
  assert.deepEqual([r.probes.length, r.probes[1]!.mmap, r.probes[1]!.trim], [2, '0', '123']);
});

test('bin: no re-exec when both are set, or with ADVLIC_MALLOC_TUNING=0', opts, async () => {
  const set = await runBin(['--version'], cleanEnv({ MALLOC_MMAP_MAX_: '1', MALLOC_TRIM_THRESHOLD_: '1' }));
  const off = await runBin(['--version'], cleanEnv({ ADVLIC_MALLOC_TUNING: '0' }));
  assert.deepEqual([set.code, set.probes.length, off.code, off.probes.length], [0, 1, 0, 1]);
});

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test(`bin: ${sig} to the parent reaches the child; the parent dies of the same signal`, opts, async () => {
    let sent = false;
    const r = await runBin(['--version'], cleanEnv({ HOLD: '1' }), (probes, kill) => {
      if (probes.length === 2 && !sent) kill(sig), (sent = true);
    });
    assert.deepEqual([r.code, r.signal], [null, sig]);
    // The held child is gone too (no orphan).
    await new Promise((res) => setTimeout(res, 50));
    assert.throws(() => process.kill(r.probes[1]!.pid, 0), /ESRCH/);
  });
}
