#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm ci / npm run build produce dist/).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

/**
 * glibc serves allocations over 32 MB by mmap and unmaps them on free, so ONNX Runtime's large
 * intermediates page-fault afresh on every kernel run; keeping them in the reused heap made an
 * attack step 5–15 % faster. glibc reads these variables at process start only, so the CLI
 * re-executes itself once with them. Values the user set are kept; ADVLIC_MALLOC_TUNING=0
 * turns this off; ADVLIC_MALLOC_REEXEC marks the child (no second exec).
 */
const MALLOC_ENV = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '17179869184' };
const CHILD_MARK = 'ADVLIC_MALLOC_REEXEC';

function isGlibc() {
  if (process.platform !== 'linux') return false;
  const header = /** @type {{ glibcVersionRuntime?: string }} */ (process.report?.getReport().header ?? {});
  return Boolean(header.glibcVersionRuntime);
}

function wantsReexec() {
  const env = process.env;
  if (env[CHILD_MARK] || env.ADVLIC_MALLOC_TUNING === '0') return false;
  if (Object.keys(MALLOC_ENV).every((k) => env[k] !== undefined)) return false;
  // A second process would try to open the same debugger port.
  if ([...process.execArgv, env.NODE_OPTIONS ?? ''].some((a) => a.includes('--inspect'))) return false;
  return isGlibc();
}

/**
 * True when this process is in its terminal's foreground process group (/proc/self/stat: pgrp
 * is field 5, tpgid field 8): a Ctrl-C then reaches the child directly, and forwarding it would
 * deliver it twice (a second SIGINT kills `advlic worker` before its graceful close).
 */
function inForegroundGroup() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3
    return f[2] === f[5] && Number(f[5]) > 0;
  } catch {
    return false;
  }
}

/** Runs this script again with the malloc settings; mirrors its exit code or signal. */
function reexec() {
  const env = { ...process.env, [CHILD_MARK]: '1' };
  for (const [k, v] of Object.entries(MALLOC_ENV)) env[k] ??= v;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  const terminalSignals = new Set(['SIGINT', 'SIGQUIT']);
  const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const forward = (sig) => {
    if (terminalSignals.has(sig) && inForegroundGroup()) return;
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  for (const sig of forwarded) process.on(sig, forward);
  child.on('error', (err) => {
    process.stderr.write(`advlic: internal error: cannot re-execute (${err.message}); set ADVLIC_MALLOC_TUNING=0\n`);
    process.exit(70);
  });
  child.on('exit', (code, signal) => {
    for (const sig of forwarded) process.off(sig, forward);
    if (signal) {
      // Die of the same signal (the shell then reports it as the child's); exit 128+n if it is caught.
      process.kill(process.pid, signal);
      setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
      return;
    }
    process.exit(code ?? 1);
  });
}

if (wantsReexec()) {
  reexec();
} else {
  const { main } = await import('../dist/cli/main.js');
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`advlic: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(70);
    },
  );
}
