import { join } from 'node:path';
import { ProcessPool, PoolKilledError } from './process-pool.js';
import type { Job } from './jobs.js';
import type { ResultStore } from './store.js';

export interface RunProgress {
  total: number;
  done: number;
  failed: number;
  remaining: number;
}

export interface RunOptions {
  /** Worker processes (default: one per core). */
  workers: number;
  /** Retries after a failed attempt, per job and run (default 2: three attempts). */
  maxRetries: number;
  /** Folder for per-job files (images); each job writes under `<outDir>/<key prefix>`. */
  outDir: string;
  /** Abort = stop handing out jobs; running ones get `graceMs` to finish, then are killed. */
  signal?: AbortSignal;
  graceMs: number;
  onProgress?: (p: RunProgress) => void;
  /** Fires with the first failure message of each attempt (logs). */
  onFailure?: (job: Job, error: string, attempt: number) => void;
}

export interface RunSummary extends RunProgress {
  /** Jobs already done in the store before this run. */
  skipped: number;
  interrupted: boolean;
  wallMs: number;
}

export function jobOutDir(outDir: string, key: string): string {
  return join(outDir, key.slice(0, 2), key.slice(0, 16));
}

/**
 * Runs the jobs not yet done in the store on a pool of local worker processes, writing each
 * outcome as it arrives (so a kill at any point loses nothing finished).
 */
export async function runLocal(jobs: readonly Job[], store: ResultStore, opts: RunOptions): Promise<RunSummary> {
  const t0 = performance.now();
  const statuses = store.statuses();
  const pending = jobs.filter((j) => statuses.get(j.key)?.status !== 'done');
  const skipped = jobs.length - pending.length;
  const progress: RunProgress = { total: pending.length, done: 0, failed: 0, remaining: pending.length };
  const report = () => opts.onProgress?.({ ...progress });
  report();
  if (pending.length === 0) return { ...progress, skipped, interrupted: false, wallMs: 0 };

  const queue = [...pending];
  const tries = new Map<string, number>();
  const pool = new ProcessPool(Math.max(1, Math.min(opts.workers, pending.length)));
  let stopping = false;
  let grace: NodeJS.Timeout | undefined;
  const onAbort = () => {
    stopping = true;
    grace = setTimeout(() => pool.kill(), opts.graceMs);
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const slot = async () => {
    while (!stopping && queue.length > 0) {
      const job = queue.shift()!;
      const attempt = (tries.get(job.key) ?? 0) + 1;
      tries.set(job.key, attempt);
      store.markStarted(job);
      try {
        const result = await pool.run(job.config, { attempt, outDir: jobOutDir(opts.outDir, job.key) });
        store.markDone(job, result);
        progress.done++;
        progress.remaining--;
      } catch (err) {
        if (err instanceof PoolKilledError) continue;
        const message = (err as Error).message;
        store.markFailed(job, message);
        opts.onFailure?.(job, message, attempt);
        if (attempt <= opts.maxRetries && !stopping) queue.push(job);
        else {
          progress.failed++;
          progress.remaining--;
        }
      }
      report();
    }
  };
  try {
    await Promise.all(Array.from({ length: pool.size }, slot));
  } finally {
    clearTimeout(grace);
    opts.signal?.removeEventListener('abort', onAbort);
    await pool.close();
  }
  return { ...progress, skipped, interrupted: stopping, wallMs: performance.now() - t0 };
}
