import type { JobExecutor, JobResult } from '../job-runner.js';
import { canonicalJson, sha256Hex } from '../canonical.js';
import type { JobConfig } from '../jobs.js';

/**
 * A deterministic stand-in for an attack, for tests and benchmarks of the runner (resume, kill,
 * retries, queues): metrics are a pure function of the job config; `synthetic` options add a
 * sleep, a CPU-bound spin, and failures (thrown or a dying process) driven by the config.
 */

/** Uniform [0,1) from a hash of the given parts. */
function unit(...parts: unknown[]): number {
  return parseInt(sha256Hex(canonicalJson(parts)).slice(0, 12), 16) / 2 ** 48;
}

export function syntheticMetrics(job: JobConfig): JobResult['metrics'] {
  const identity = { ...job, image: undefined, weights: undefined };
  const u = unit(identity);
  const psnrClean = 28 + 6 * unit(job.model, job.quality, job.imageSha256);
  const relPsnrDrop = Math.min(0.95, job.eps * 10 * (0.5 + u));
  const bppClean = 0.2 + 0.1 * (job.quality ?? 3);
  const bppRatio = 1 + job.eps * 40 * (0.5 + unit(u));
  return {
    psnrClean,
    psnrAttacked: psnrClean * (1 - relPsnrDrop),
    relPsnrDrop,
    bppClean,
    bppAttacked: bppClean * bppRatio,
    bppRatio,
    linf: job.eps,
    passes: job.attack.steps ?? 1,
    wallMs: 0,
  };
}

export const syntheticExecutor: JobExecutor = async (job, ctx) => {
  const o = job.synthetic ?? { sleepMs: 0, spinMs: 0, crashProbability: 0, failAttempts: 0, crashMode: 'throw' as const };
  const t0 = performance.now();
  if (o.spinMs > 0) {
    let x = 0;
    while (performance.now() - t0 < o.spinMs) for (let i = 0; i < 1e4; i++) x += Math.sqrt(i + x);
    if (x < 0) throw new Error('unreachable');
  }
  if (o.sleepMs > 0) await new Promise((r) => setTimeout(r, o.sleepMs));
  const { image: _i, weights: _w, ...identity } = job;
  const fails = ctx.attempt <= o.failAttempts || unit(identity, ctx.attempt, 'crash') < o.crashProbability;
  if (fails) {
    // A dying worker, as an OOM kill would look to the pool (only ever runs inside a worker process).
    if (o.crashMode === 'exit') process.kill(process.pid, 'SIGKILL');
    throw new Error(`synthetic failure (attempt ${ctx.attempt})`);
  }
  return { metrics: { ...syntheticMetrics(job), wallMs: performance.now() - t0 } };
};
