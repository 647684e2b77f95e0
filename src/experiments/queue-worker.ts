import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Job } from './jobs.js';
import { jobOutDir } from './local-runner.js';
import { ProcessPool } from './process-pool.js';
import { redisConnection, type QueuedJobReturn } from './redis.js';

export interface QueueWorkerOptions {
  redis: string;
  queueName: string;
  /** Jobs at once, each in its own child process (the event loop stays free to renew locks). */
  concurrency: number;
  outDir: string;
  /** Fires after each job (ok or not). */
  onJob?: (key: string, ok: boolean, error?: string) => void;
}

export interface QueueWorkerHandle {
  readonly id: string;
  processed(): number;
  /** Finishes running jobs, takes no new ones, closes connections and child processes. */
  close(): Promise<void>;
}

/** `advlic worker`: takes grid jobs from BullMQ and runs them on a local process pool. */
export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const id = `${hostname()}:${process.pid}`;
  const pool = new ProcessPool(opts.concurrency);
  const connection = redisConnection(opts.redis);
  let processed = 0;
  const worker = new Worker<Job, QueuedJobReturn>(
    opts.queueName,
    async (bj) => {
      const job = bj.data;
      const result = await pool.run(job.config, { attempt: bj.attemptsMade + 1, outDir: jobOutDir(opts.outDir, job.key) });
      return { result, worker: id };
    },
    { connection, concurrency: opts.concurrency },
  );
  worker.on('completed', (bj) => {
    processed++;
    opts.onJob?.(bj.id ?? '', true);
  });
  worker.on('failed', (bj, err) => opts.onJob?.(bj?.id ?? '', false, err.message));
  worker.on('error', () => {
    /* connection hiccups: ioredis reconnects */
  });
  await worker.waitUntilReady();
  return {
    id,
    processed: () => processed,
    async close() {
      await worker.close();
      await pool.close();
      connection.disconnect();
    },
  };
}
