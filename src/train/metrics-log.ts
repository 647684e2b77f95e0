import { appendFile, readFile, writeFile } from 'node:fs/promises';

/** One row of metrics.csv: a training step, with validation columns on evaluation steps. */
export interface MetricsRow {
  step: number;
  lr: number;
  loss: number;
  bpp: number;
  mse: number;
  psnr: number;
  /** MS-SSIM of the training batch, only when training for MS-SSIM. */
  msssim?: number;
  aux: number;
  gradNorm: number;
  /** Seconds since the start of the run (cumulative across resumes). */
  elapsed: number;
  valLoss?: number;
  valPsnr?: number;
  valBppReal?: number;
  valBppEst?: number;
  valMsssim?: number;
}

export const METRICS_COLUMNS = [
  'step', 'lr', 'loss', 'bpp', 'mse', 'psnr', 'msssim', 'aux', 'gradNorm', 'elapsed',
  'valLoss', 'valPsnr', 'valBppReal', 'valBppEst', 'valMsssim',
] as const satisfies ReadonlyArray<keyof MetricsRow>;

/**
 * Metrics CSV, appended in batches (at each log interval). On resume, rows after the
 * checkpoint's step are dropped first: those steps are about to be run again.
 */
export class MetricsLog {
  private readonly all: MetricsRow[] = [];
  private pending: MetricsRow[] = [];

  private constructor(readonly path: string) {}

  /** Starts a fresh file, or (resumeStep given) keeps the existing rows up to that step. */
  static async open(path: string, resumeStep?: number): Promise<MetricsLog> {
    const log = new MetricsLog(path);
    if (resumeStep !== undefined) {
      const text = await readFile(path, 'utf8').catch(() => '');
      log.all.push(...parseMetricsCsv(text).filter((r) => r.step <= resumeStep));
    }
    await writeFile(path, [METRICS_COLUMNS.join(','), ...log.all.map(formatRow)].join('\n') + '\n');
    return log;
  }

  add(row: MetricsRow): void {
    this.all.push(row);
    this.pending.push(row);
  }

  /** Attaches validation numbers to the row of `step` (already added). */
  addValidation(step: number, v: Pick<MetricsRow, 'valLoss' | 'valPsnr' | 'valBppReal' | 'valBppEst' | 'valMsssim'>): void {
    for (let i = this.all.length - 1; i >= 0; i--) {
      if (this.all[i]!.step === step) return void Object.assign(this.all[i]!, v);
    }
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.map(formatRow).join('\n') + '\n';
    this.pending = [];
    await appendFile(this.path, text);
  }

  rows(): readonly MetricsRow[] {
    return this.all;
  }
}

function formatRow(r: MetricsRow): string {
  return METRICS_COLUMNS.map((c) => {
    const v = r[c];
    return v === undefined || !Number.isFinite(v) ? '' : String(Number(v.toPrecision(7)));
  }).join(',');
}

export function parseMetricsCsv(text: string): MetricsRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const cols = lines[0]!.split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const row: Record<string, number> = {};
    cols.forEach((c, i) => {
      if (cells[i] !== undefined && cells[i] !== '') row[c] = Number(cells[i]);
    });
    return row as unknown as MetricsRow;
  });
}
