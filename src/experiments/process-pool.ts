import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobConfig } from './jobs.js';
import type { JobResult } from './job-runner.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/** Thrown into in-flight jobs when the pool is killed: not a job failure, nothing is recorded. */
export class PoolKilledError extends Error {
  constructor() {
    super('worker pool killed');
  }
}

interface Task {
  id: number;
  msg: ToWorker;
  resolve(r: JobResult): void;
  reject(e: Error): void;
}

interface Slot {
  child: ChildProcess;
  task: Task | null;
}

/** The worker entry next to this file, and the loader it needs when running from TypeScript sources. */
function workerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const file = join(dirname(here), `worker-entry${ext}`);
  return { file, execArgv: ext === '.ts' ? ['--import', import.meta.resolve('tsx')] : [] };
}

/**
 * N forked worker processes running one job each. A job whose process dies rejects with the
 * exit code/signal and the process is replaced. Jobs wait in FIFO order for a free process.
 */
export class ProcessPool {
  readonly size: number;
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  private readonly env: NodeJS.ProcessEnv;

  constructor(size: number, env: NodeJS.ProcessEnv = process.env) {
    if (!(size >= 1)) throw new RangeError(`pool size must be >= 1, got ${size}`);
    this.size = size;
    // Cores are shared between the processes: each tensor engine gets its share of threads.
    const threads = String(Math.max(1, Math.floor(availableParallelism() / size)));
    this.env = { ...env, ADVLIC_WORKER_THREADS: env.ADVLIC_WORKER_THREADS ?? threads };
  }

  run(job: JobConfig, opts: { attempt: number; outDir: string }): Promise<JobResult> {
    if (this.closed) return Promise.reject(new PoolKilledError());
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.queue.push({ id, msg: { type: 'run', id, job, attempt: opts.attempt, outDir: opts.outDir }, resolve, reject });
      this.dispatch();
    });
  }

  /** Pids of the live worker processes. */
  pids(): number[] {
    return [...this.slots].map((s) => s.child.pid!).filter((p) => p !== undefined);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((s) => s.task === null);
      if (!slot && this.slots.size < this.size) slot = this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.child.send(task.msg);
    }
  }

  private spawn(): Slot {
    const { file, execArgv } = workerEntry();
    const child = fork(file, [], { execArgv, env: this.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const slot: Slot = { child, task: null };
    this.slots.add(slot);
    child.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready' || !slot.task || slot.task.id !== msg.id) return;
      const task = slot.task;
      slot.task = null;
      if (msg.type === 'done') task.resolve(msg.result);
      else task.reject(new Error(msg.error));
      this.dispatch();
    });
    child.on('error', () => {
      /* reported through 'exit' */
    });
    child.on('exit', (code, signal) => {
      this.slots.delete(slot);
      const task = slot.task;
      slot.task = null;
      if (task) task.reject(this.closed ? new PoolKilledError() : new Error(`worker process died (${signal ?? `exit code ${code}`})`));
      if (!this.closed) this.dispatch();
    });
    return slot;
  }

  /** Waiting jobs are dropped (rejected); running ones finish; idle processes exit. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new PoolKilledError());
    await Promise.all(
      [...this.slots].map(
        (s) =>
          new Promise<void>((res) => {
            if (s.child.exitCode !== null || s.child.signalCode !== null) return res();
            s.child.once('exit', () => res());
            if (s.task === null) s.child.disconnect();
            else s.child.once('message', () => s.child.connected && s.child.disconnect());
          }),
      ),
    );
  }

  /** Kills every process now; running jobs reject with PoolKilledError. */
  kill(): void {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new PoolKilledError());
    for (const s of this.slots) s.child.kill('SIGKILL');
  }
}
