import { Queue, QueueEvents, type Job as BullJob } from 'bullmq';
import type { Job } from './jobs.js';
import type { RunOptions, RunSummary, RunProgress } from './local-runner.js';
import { redisConnection, type QueuedJobReturn } from './redis.js';
import type { ResultStore } from './store.js';

export interface QueueRunOptions extends Omit<RunOptions, 'workers' | 'outDir'> {
  redis: string;
  queueName: string;
}

const SWEEP_MS = 1000;

/**
 * Coordinator for many machines: enqueues the jobs not yet in the store on BullMQ (job id = job
 * key, so enqueueing twice is a no-op), and writes each result into the store as workers
 * (`advlic worker`) finish them. Completion events trigger collection; a periodic sweep of the
 * completed/failed sets catches anything finished while no coordinator listened. A job is
 * removed from Redis only after its row is committed.
 */
export async function runQueued(jobs: readonly Job[], store: ResultStore, opts: QueueRunOptions): Promise<RunSummary> {
  const t0 = performance.now();
  const statuses = store.statuses();
  const pending = new Map(jobs.filter((j) => statuses.get(j.key)?.status !== 'done').map((j) => [j.key, j]));
  const skipped = jobs.length - pending.size;
  const progress: RunProgress = { total: pending.size, done: 0, failed: 0, remaining: pending.size };
  const report = () => opts.onProgress?.({ ...progress });
  report();
  if (pending.size === 0) return { ...progress, skipped, interrupted: false, wallMs: 0 };

  const connection = redisConnection(opts.redis);
  const queue = new Queue(opts.queueName, { connection });
  // BullMQ leaves connections it was handed open: both are closed below.
  const eventsConnection = redisConnection(opts.redis);
  const events = new QueueEvents(opts.queueName, { connection: eventsConnection });
  const busy = new Set<string>();

  const collect = async (bj: BullJob | undefined): Promise<void> => {
    const key = bj?.id;
    if (!bj || key === undefined || busy.has(key)) return;
    const job = pending.get(key);
    if (!job) return;
    busy.add(key);
    try {
      const state = await bj.getState();
      const info = { attempts: Math.max(bj.attemptsStarted ?? 0, bj.attemptsMade), startedAt: bj.processedOn ? new Date(bj.processedOn).toISOString() : undefined };
      if (state === 'completed') {
        const ret = bj.returnvalue as QueuedJobReturn;
        store.markDone(job, ret.result, { ...info, worker: ret.worker });
        progress.done++;
      } else if (state === 'failed') {
        store.markFailed(job, bj.failedReason, info);
        progress.failed++;
      } else return;
      pending.delete(key);
      progress.remaining--;
      report();
      await bj.remove().catch(() => undefined);
    } finally {
      busy.delete(key);
    }
  };
  const collectId = (id: string) => void queue.getJob(id).then(collect).catch(() => undefined);
  const sweep = async () => {
    for (const bj of await queue.getJobs(['completed', 'failed'])) await collect(bj);
  };

  let sweeper: NodeJS.Timeout | undefined;
  let interrupted = false;
  try {
    await events.waitUntilReady();
    events.on('completed', ({ jobId }) => collectId(jobId));
    events.on('failed', ({ jobId }) => collectId(jobId));
    await queue.resume(); // an interrupted run leaves the queue paused

    // Reconcile with what Redis already holds: collect finished jobs, requeue failed ones.
    const toAdd: Job[] = [];
    for (const job of [...pending.values()]) {
      const existing = await queue.getJob(job.key);
      if (!existing) toAdd.push(job);
      else {
        const state = await existing.getState();
        if (state === 'completed') await collect(existing);
        else if (state === 'failed') {
          await existing.remove();
          toAdd.push(job);
        }
      }
    }
    await queue.addBulk(
      toAdd.map((job) => ({
        name: job.config.kind,
        data: job,
        opts: { jobId: job.key, attempts: 1 + opts.maxRetries, removeOnComplete: false, removeOnFail: false },
      })),
    );

    await new Promise<void>((resolveDone) => {
      let graceEnd = Infinity;
      const tick = async () => {
        await sweep().catch(() => undefined);
        if (pending.size === 0) return resolveDone();
        if (opts.signal?.aborted) {
          if (!interrupted) {
            interrupted = true;
            await queue.pause(); // stop handing out; active jobs finish on their workers
            graceEnd = Date.now() + opts.graceMs;
          }
          const active = await queue.getActiveCount();
          if (active === 0 || Date.now() >= graceEnd) return resolveDone();
        }
        sweeper = setTimeout(tick, opts.signal?.aborted ? 200 : SWEEP_MS);
      };
      opts.signal?.addEventListener('abort', () => {
        clearTimeout(sweeper);
        void tick();
      }, { once: true });
      void tick();
    });
  } finally {
    clearTimeout(sweeper);
    await events.close();
    await queue.close();
    connection.disconnect();
    eventsConnection.disconnect();
  }
  return { ...progress, skipped, interrupted, wallMs: performance.now() - t0 };
}
