import type { JobConfig } from './jobs.js';
import type { JobResult } from './job-runner.js';

/** Messages between a pool and its forked worker processes (over the IPC channel). */
export type ToWorker = { type: 'run'; id: number; job: JobConfig; attempt: number; outDir: string };

export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'done'; id: number; result: JobResult }
  | { type: 'failed'; id: number; error: string };
