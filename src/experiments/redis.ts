import { Redis } from 'ioredis';
import { UsageError } from '../errors.js';

/** A BullMQ-ready connection (BullMQ requires maxRetriesPerRequest = null for blocking calls). */
export function redisConnection(url: string): Redis {
  if (!/^rediss?:\/\//.test(url)) throw new UsageError(`--redis expects a URL like redis://host:6379, got '${url}'`);
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/** What a queue worker returns for a job (stored by the coordinator). */
export interface QueuedJobReturn {
  result: import('./job-runner.js').JobResult;
  worker: string;
}
