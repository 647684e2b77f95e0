import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import type { Job } from './jobs.js';
import type { JobResult } from './job-runner.js';

/**
 * The results store: one SQLite row per job key, written only by the coordinator.
 *
 * Durability: WAL journal, one transaction per finished job, synchronous=NORMAL. In WAL mode a
 * committed transaction survives any crash or kill of the process (SIGKILL included) and the
 * database is never corrupted; only an OS crash or power cut can roll back the last few commits,
 * and those jobs are simply recomputed on resume (keys make that safe). FULL would add an fsync
 * per job to guard against a loss that resume already repairs.
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  key TEXT PRIMARY KEY,
  grid TEXT NOT NULL,
  kind TEXT NOT NULL,
  model TEXT NOT NULL,
  quality INTEGER,
  attack TEXT NOT NULL,
  goal TEXT NOT NULL,
  eps REAL NOT NULL,
  image TEXT NOT NULL,
  seed INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  started_at TEXT,
  finished_at TEXT,
  code_version TEXT NOT NULL,
  weights_hash TEXT NOT NULL,
  worker TEXT,
  config TEXT NOT NULL,
  result TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
CREATE VIEW IF NOT EXISTS results AS
SELECT key, grid, model, quality, attack, goal, eps, image, seed, attempts, started_at, finished_at,
  code_version, weights_hash, worker,
  json_extract(result, '$.metrics.psnrClean') AS psnr_clean,
  json_extract(result, '$.metrics.psnrAttacked') AS psnr_attacked,
  json_extract(result, '$.metrics.relPsnrDrop') AS rel_psnr_drop,
  json_extract(result, '$.metrics.bppClean') AS bpp_clean,
  json_extract(result, '$.metrics.bppAttacked') AS bpp_attacked,
  json_extract(result, '$.metrics.bppRatio') AS bpp_ratio,
  json_extract(result, '$.metrics.msssimClean') AS msssim_clean,
  json_extract(result, '$.metrics.msssimAttacked') AS msssim_attacked,
  json_extract(result, '$.metrics.linf') AS linf,
  json_extract(result, '$.metrics.l2') AS l2,
  json_extract(result, '$.metrics.passes') AS passes,
  json_extract(result, '$.metrics.wallMs') AS wall_ms,
  json_extract(result, '$.images') AS images,
  json_extract(config, '$.attack') AS attack_params
FROM jobs WHERE status = 'done';
`;

export const STORE_SCHEMA_VERSION = '1';

export interface JobStatus {
  status: 'running' | 'done' | 'failed';
  attempts: number;
  error: string | null;
}

export interface FinishInfo {
  /** Attempts made so far; omitted = keep the count markStarted kept. */
  attempts?: number;
  worker?: string;
  startedAt?: string;
}

const now = () => new Date().toISOString();

export class ResultStore {
  readonly db: Database.Database;
  private readonly grid: string;

  constructor(path: string, grid = 'grid') {
    this.grid = grid;
    try {
      mkdirSync(dirname(resolve(path)), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
      const v = this.db.prepare(`SELECT value FROM meta WHERE name = 'schema'`).get() as { value: string } | undefined;
      if (v && v.value !== STORE_SCHEMA_VERSION) throw new StoreError(`${path}: store schema ${v.value}, this advlic writes ${STORE_SCHEMA_VERSION}`);
      this.db.prepare(`INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', ?)`).run(STORE_SCHEMA_VERSION);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError(`cannot open results store ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Opens an existing store read-only (reports). */
  static openReadOnly(path: string): Database.Database {
    try {
      return new Database(path, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new StoreError(`cannot open results store ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  statuses(): Map<string, JobStatus> {
    const rows = this.db.prepare(`SELECT key, status, attempts, error FROM jobs`).all() as Array<JobStatus & { key: string }>;
    return new Map(rows.map((r) => [r.key, { status: r.status, attempts: r.attempts, error: r.error }]));
  }

  private upsert(job: Job, fields: { status: JobStatus['status']; attempts: number | null; error: string | null; startedAt: string | null; finishedAt: string | null; worker: string | null; result: string | null }): boolean {
    const c = job.config;
    const info = this.db
      .prepare(
        `INSERT INTO jobs (key, grid, kind, model, quality, attack, goal, eps, image, seed, status, attempts, error,
           started_at, finished_at, code_version, weights_hash, worker, config, result)
         VALUES (@key, @grid, @kind, @model, @quality, @attack, @goal, @eps, @image, @seed, @status, coalesce(@attempts, 1), @error,
           @startedAt, @finishedAt, @codeVersion, @weightsHash, @worker, @config, @result)
         ON CONFLICT (key) DO UPDATE SET status = excluded.status,
           attempts = coalesce(@attempts, CASE WHEN excluded.status = 'running' THEN jobs.attempts + 1 ELSE jobs.attempts END),
           error = excluded.error, started_at = coalesce(excluded.started_at, jobs.started_at),
           finished_at = excluded.finished_at, worker = coalesce(excluded.worker, jobs.worker), result = excluded.result
         WHERE jobs.status != 'done'`,
      )
      .run({
        key: job.key, grid: this.grid, kind: c.kind, model: c.model, quality: c.quality, attack: c.attack.name, goal: c.goal,
        eps: c.eps, image: c.image, seed: c.seed, codeVersion: job.codeVersion, weightsHash: job.weightsHash,
        config: JSON.stringify(c), ...fields,
      });
    return info.changes > 0;
  }

  /** A job was handed to a worker (counts an attempt). No-op on a done job. */
  markStarted(job: Job, worker?: string): void {
    this.upsert(job, { status: 'running', attempts: null, error: null, startedAt: now(), finishedAt: null, worker: worker ?? null, result: null });
  }

  /** Stores a finished job in one transaction; false when it was already stored (exactly once). */
  markDone(job: Job, result: JobResult, info: FinishInfo = {}): boolean {
    return this.db.transaction(() =>
      this.upsert(job, {
        status: 'done', attempts: info.attempts ?? null, error: null, startedAt: info.startedAt ?? null,
        finishedAt: now(), worker: info.worker ?? null, result: JSON.stringify(result),
      }),
    )();
  }

  markFailed(job: Job, error: string, info: FinishInfo = {}): void {
    this.upsert(job, { status: 'failed', attempts: info.attempts ?? null, error, startedAt: info.startedAt ?? null, finishedAt: now(), worker: info.worker ?? null, result: null });
  }

  counts(): Record<JobStatus['status'], number> {
    const out = { running: 0, done: 0, failed: 0 };
    for (const r of this.db.prepare(`SELECT status, count(*) AS n FROM jobs GROUP BY status`).all() as Array<{ status: JobStatus['status']; n: number }>) out[r.status] = r.n;
    return out;
  }

  close(): void {
    this.db.close();
  }
}
