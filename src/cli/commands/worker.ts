import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../../errors.js';
import { startQueueWorker } from '../../experiments/queue-worker.js';

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('worker')
    .description('process grid jobs from a BullMQ queue until interrupted (run one per machine)')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://host:6379')
    .option('--concurrency <n>', 'jobs at once, each in its own process (default: one per core)')
    .option('--queue <name>', 'BullMQ queue name', 'advlic-grid')
    .option('--out <dir>', 'folder for per-job files', 'advlic-worker-files')
    .action(async (o: { redis: string; concurrency?: string; queue: string; out: string }) => {
      const c = ctx();
      const concurrency = o.concurrency === undefined ? availableParallelism() : Number(o.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency expects a positive integer, got '${o.concurrency}'`);
      const handle = await startQueueWorker({
        redis: o.redis, queueName: o.queue, concurrency, outDir: resolve(o.out),
        onJob: (key, ok, error) => c.log(`${ok ? 'done' : 'failed'} ${key.slice(0, 12)}${error ? `: ${error}` : ''}`),
      });
      c.log(`worker ${handle.id} on ${o.redis} queue '${o.queue}', concurrency ${concurrency}; Ctrl-C to stop`);
      await new Promise<void>((res) => {
        process.once('SIGINT', () => res());
        process.once('SIGTERM', () => res());
      });
      await handle.close();
      c.print({ worker: handle.id, processed: handle.processed() }, () => `worker ${handle.id}: ${handle.processed()} jobs processed`);
    });
}
