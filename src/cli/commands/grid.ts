import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { ConfigError, UsageError } from '../../errors.js';
import { formatDuration, planGrid } from '../../experiments/plan.js';
import { runLocal, type RunSummary } from '../../experiments/local-runner.js';
import { runQueued } from '../../experiments/queue-coordinator.js';
import { ResultStore } from '../../experiments/store.js';
import { progressBar } from '../../experiments/progress.js';

function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} expects a non-negative integer, got '${v}'`);
    return n;
  };
}

export function register(program: Command, ctx: () => CliContext): void {
  const grid = program.command('grid').description('experiment grids: plan and run (resumable, local processes or BullMQ)');

  grid
    .command('plan <spec>')
    .description('validate a grid spec, print the job count and an estimated time')
    .option('--workers <n>', 'workers the estimate divides by', positiveInt('workers'))
    .option('--code-version <v>', 'code version hashed into job keys (default: spec codeVersion, else git describe)')
    .action(async (specPath: string, o: { workers?: number; codeVersion?: string }) => {
      const plan = await planGrid(specPath, { codeVersion: o.codeVersion });
      const workers = o.workers || availableParallelism();
      const out = {
        spec: specPath, name: plan.spec.name, jobs: plan.jobs.length, ...plan.counts,
        estimatedMs: plan.estimatedMs, estimatedWallMs: plan.estimatedMs / workers, workers, estimatesFromBench: plan.fromBench,
        missingWeights: plan.missingWeights, codeVersion: plan.jobs[0]?.codeVersion,
      };
      ctx().print(out, () =>
        [
          `${plan.spec.name}: ${plan.jobs.length} jobs = ${plan.counts.configurations} model configurations × ${plan.counts.attacks} attacks` +
            ` × ${plan.counts.goals} goals × ${plan.counts.budgets} budgets × ${plan.counts.images} images × ${plan.counts.seeds} seeds (distinct values)`,
          `estimated time: ${formatDuration(plan.estimatedMs)} of compute, ~${formatDuration(plan.estimatedMs / workers)} on ${workers} workers` +
            ` (${plan.fromBench}/${plan.jobs.length} estimates from bench/results, others from defaults)`,
          ...(plan.missingWeights.length ? [`warning: no shipped weights on this machine for ${plan.missingWeights.join(', ')} (grid run will refuse)`] : []),
        ].join('\n'),
      );
    });

  grid
    .command('run <spec>')
    .description('run (or resume) a grid; finished jobs are skipped')
    .requiredOption('--db <file>', 'SQLite results store')
    .option('--workers <n>', 'local worker processes (default: one per core)', positiveInt('workers'))
    .option('--max-retries <n>', 'retries of a failing job', positiveInt('max-retries'), 2)
    .option('--redis <url>', 'enqueue on BullMQ at this Redis instead of running locally (start `advlic worker`s)')
    .option('--queue <name>', 'BullMQ queue name', 'advlic-grid')
    .option('--out <dir>', 'folder for per-job files (default: <db>.files next to the store)')
    .option('--grace <seconds>', 'after Ctrl-C, how long running jobs may finish before they are killed', positiveInt('grace'), 30)
    .option('--code-version <v>', 'code version hashed into job keys (default: spec codeVersion, else git describe)')
    .action(async (specPath: string, o: { db: string; workers?: number; maxRetries: number; redis?: string; queue: string; out?: string; grace: number; codeVersion?: string }) => {
      const c = ctx();
      const plan = await planGrid(specPath, { codeVersion: o.codeVersion });
      // Local runs need the weights here; queued jobs run on machines that may have them.
      if (plan.missingWeights.length && !o.redis)
        throw new ConfigError(`${specPath}: models: no shipped weights for ${plan.missingWeights.join(', ')} (see \`advlic models list\`)`);
      const store = new ResultStore(o.db, plan.spec.name);
      const outDir = resolve(o.out ?? join(dirname(o.db), `${basename(o.db).replace(/\.[^.]*$/, '')}.files`));
      const abort = new AbortController();
      const onSigint = () => {
        if (abort.signal.aborted) return;
        c.log(`\nadvlic: interrupt: no new jobs; running ones get ${o.grace} s to finish`);
        abort.abort();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const bar = c.json ? undefined : progressBar(plan.spec.name);
      let summary: RunSummary;
      try {
        const common = { maxRetries: o.maxRetries, outDir, signal: abort.signal, graceMs: o.grace * 1000, onProgress: bar?.update };
        summary = o.redis
          ? await runQueued(plan.jobs, store, { ...common, redis: o.redis, queueName: o.queue })
          : await runLocal(plan.jobs, store, { ...common, workers: o.workers || availableParallelism() });
      } finally {
        bar?.stop();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
        store.close();
      }
      const line =
        `${plan.spec.name}: ${summary.done} done, ${summary.failed} failed, ${summary.remaining} remaining, ` +
        `${summary.skipped} already in ${o.db}${summary.interrupted ? ' (interrupted)' : ''}`;
      c.print({ ...summary, db: o.db, outDir, codeVersion: plan.jobs[0]?.codeVersion }, () => line);
      if (summary.interrupted || summary.remaining > 0) process.exitCode = 130;
      else if (summary.failed > 0) process.exitCode = 1;
    });
}
