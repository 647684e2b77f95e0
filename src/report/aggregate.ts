import type { ResultRow } from './load.js';

/** A model configuration label: `bmshj2018-hyperprior@4` (or the bare name without a quality). */
export function configLabel(model: string, quality: number | null): string {
  return quality === null ? model : `${model}@${quality}`;
}

/** Budgets as papers write them when they are k/255, else to 4 decimals. */
export function epsLabel(eps: number): string {
  const k = eps * 255;
  return Math.abs(k - Math.round(k)) < 1e-6 && Math.round(k) > 0 ? `${Math.round(k)}/255` : eps.toFixed(4);
}

export interface Stats {
  n: number;
  meanDrop: number;
  worstDrop: number;
  meanBppRatio: number;
  worstBppRatio: number;
  meanPsnrClean: number;
  meanPsnrAttacked: number;
}

export function stats(rows: readonly ResultRow[]): Stats {
  const n = rows.length;
  const mean = (f: (r: ResultRow) => number) => rows.reduce((s, r) => s + f(r), 0) / n;
  return {
    n,
    meanDrop: mean((r) => r.relPsnrDrop),
    worstDrop: Math.max(...rows.map((r) => r.relPsnrDrop)),
    meanBppRatio: mean((r) => r.bppRatio),
    worstBppRatio: Math.max(...rows.map((r) => r.bppRatio)),
    meanPsnrClean: mean((r) => r.psnrClean),
    meanPsnrAttacked: mean((r) => r.psnrAttacked),
  };
}

/** Groups rows by the fields named, in first-seen order of a sorted input. */
export function groupBy<K extends keyof ResultRow>(rows: readonly ResultRow[], keys: readonly K[]): Array<{ key: Pick<ResultRow, K>; rows: ResultRow[] }> {
  const groups = new Map<string, { key: Pick<ResultRow, K>; rows: ResultRow[] }>();
  for (const r of rows) {
    const key = Object.fromEntries(keys.map((k) => [k, r[k]])) as Pick<ResultRow, K>;
    const id = JSON.stringify(keys.map((k) => r[k]));
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, rows: [] }));
    g.rows.push(r);
  }
  return [...groups.values()];
}

export type CellRow = Pick<ResultRow, 'model' | 'quality' | 'attack' | 'goal' | 'eps'> & Stats;

/** Per (model, quality, attack, goal, budget): mean / worst relative PSNR drop and bpp ratio. */
export function cellTable(rows: readonly ResultRow[]): CellRow[] {
  return groupBy(rows, ['model', 'quality', 'attack', 'goal', 'eps'] as const).map((g) => ({ ...g.key, ...stats(g.rows) }));
}

export type ModelRow = { rank: number; model: string } & Stats;

/** Models ranked by how much the attacks hurt them (mean relative PSNR drop, then bpp ratio). */
export function vulnerabilityRanking(rows: readonly ResultRow[]): ModelRow[] {
  return groupBy(rows, ['model'] as const)
    .map((g) => ({ model: g.key.model, ...stats(g.rows) }))
    .sort((a, b) => b.meanDrop - a.meanDrop || b.meanBppRatio - a.meanBppRatio)
    .map((r, i) => ({ rank: i + 1, ...r }));
}

export type QualityRow = Pick<ResultRow, 'model' | 'quality'> & Stats;

/** Effect of the quality level, per model (all attacks and budgets pooled). */
export function qualityEffect(rows: readonly ResultRow[]): QualityRow[] {
  return groupBy(rows, ['model', 'quality'] as const).map((g) => ({ ...g.key, ...stats(g.rows) }));
}

export type AttackRow = Pick<ResultRow, 'attack' | 'goal' | 'eps'> & Stats;

/** Attack comparison at each goal and budget (all models pooled). */
export function attackComparison(rows: readonly ResultRow[]): AttackRow[] {
  return groupBy(rows, ['attack', 'goal', 'eps'] as const)
    .map((g) => ({ ...g.key, ...stats(g.rows) }))
    .sort((a, b) => a.goal.localeCompare(b.goal) || a.eps - b.eps || b.meanDrop - a.meanDrop);
}

export interface WorstCase {
  byDrop: ResultRow;
  byBppRatio: ResultRow;
  /** One sentence naming the worst case and its configuration. */
  sentence: string;
}

export function describeRow(r: ResultRow): string {
  return `${configLabel(r.model, r.quality)}, ${r.attack} (goal ${r.goal}, eps ${epsLabel(r.eps)}, seed ${r.seed}) on ${r.image.split('/').pop()}`;
}

export function worstCase(rows: readonly ResultRow[]): WorstCase | undefined {
  if (rows.length === 0) return undefined;
  const byDrop = rows.reduce((a, b) => (b.relPsnrDrop > a.relPsnrDrop ? b : a));
  const byBppRatio = rows.reduce((a, b) => (b.bppRatio > a.bppRatio ? b : a));
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const sentence =
    `Worst PSNR drop: ${pct(byDrop.relPsnrDrop)} (${byDrop.psnrClean.toFixed(2)} → ${byDrop.psnrAttacked.toFixed(2)} dB, bpp ${byDrop.bppRatio.toFixed(2)}x) for ${describeRow(byDrop)}. ` +
    `Worst rate increase: ${byBppRatio.bppRatio.toFixed(2)}x bpp (${byBppRatio.bppClean.toFixed(3)} → ${byBppRatio.bppAttacked.toFixed(3)}, PSNR drop ${pct(byBppRatio.relPsnrDrop)}) for ${describeRow(byBppRatio)}.`;
  return { byDrop, byBppRatio, sentence };
}
