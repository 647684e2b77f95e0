import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { StoreError } from '../errors.js';
import { configLabel, epsLabel, groupBy, stats, vulnerabilityRanking, type Stats } from './aggregate.js';
import { groupedBarChart } from './charts.js';
import { loadResults, type ResultRow } from './load.js';
import { fixed, pct, type Column } from './tables.js';
import { writeChart, writeTable } from './write-report.js';

export interface CompareRow {
  model: string;
  quality: number | null;
  attack: string;
  goal: string;
  eps: number;
  a: Stats;
  b: Stats;
}

/** Cells present in both studies (same model, quality, attack, goal, budget), side by side. */
export function compareCells(a: readonly ResultRow[], b: readonly ResultRow[]): CompareRow[] {
  const keys = ['model', 'quality', 'attack', 'goal', 'eps'] as const;
  const gb = new Map(groupBy(b, keys).map((g) => [JSON.stringify(keys.map((k) => g.key[k])), g.rows]));
  const out: CompareRow[] = [];
  for (const g of groupBy(a, keys)) {
    const other = gb.get(JSON.stringify(keys.map((k) => g.key[k])));
    if (other) out.push({ ...g.key, a: stats(g.rows), b: stats(other) });
  }
  return out;
}

function compareColumns(la: string, lb: string): Column<CompareRow>[] {
  return [
    { header: 'model', value: (r) => r.model, align: 'left' },
    { header: 'quality', value: (r) => r.quality },
    { header: 'attack', value: (r) => r.attack, align: 'left' },
    { header: 'goal', value: (r) => r.goal, align: 'left' },
    { header: 'eps', value: (r) => r.eps, format: (r) => epsLabel(r.eps) },
    { header: `mean_rel_psnr_drop_${la}`, value: (r) => r.a.meanDrop, format: (r) => pct(r.a.meanDrop) },
    { header: `mean_rel_psnr_drop_${lb}`, value: (r) => r.b.meanDrop, format: (r) => pct(r.b.meanDrop) },
    { header: 'delta_rel_psnr_drop', value: (r) => r.b.meanDrop - r.a.meanDrop, format: (r) => `${((r.b.meanDrop - r.a.meanDrop) * 100).toFixed(2)} pt` },
    { header: `mean_bpp_ratio_${la}`, value: (r) => r.a.meanBppRatio, format: (r) => `${fixed(2)(r.a.meanBppRatio)}x` },
    { header: `mean_bpp_ratio_${lb}`, value: (r) => r.b.meanBppRatio, format: (r) => `${fixed(2)(r.b.meanBppRatio)}x` },
    { header: `mean_psnr_clean_${la}`, value: (r) => r.a.meanPsnrClean, format: (r) => fixed(2)(r.a.meanPsnrClean) },
    { header: `mean_psnr_clean_${lb}`, value: (r) => r.b.meanPsnrClean, format: (r) => fixed(2)(r.b.meanPsnrClean) },
  ];
}

/** `advlic report --compare A B`: two studies (e.g. before/after a defence) side by side. */
export async function writeComparison(dbA: string, dbB: string, dir: string, labels?: [string, string]): Promise<{ cells: number; files: string[] }> {
  const [la, lb] = labels ?? [basename(dbA).replace(/\.[^.]*$/, ''), basename(dbB).replace(/\.[^.]*$/, '')];
  const a = loadResults(dbA);
  const b = loadResults(dbB);
  const rows = compareCells(a, b);
  if (rows.length === 0) throw new StoreError(`${dbA} and ${dbB} share no (model, quality, attack, goal, budget) cell to compare`);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const md = writeTable(dir, 'compare', compareColumns(la, lb), rows, files);
  const ranking = [...vulnerabilityRanking(a).map((m) => ({ study: la, model: m.model, drop: m.meanDrop })), ...vulnerabilityRanking(b).map((m) => ({ study: lb, model: m.model, drop: m.meanDrop }))];
  const values = rows.flatMap((r) => {
    const cell = `${configLabel(r.model, r.quality)} ${r.attack} ${r.goal} ${epsLabel(r.eps)}`;
    return [
      { cell, study: la, drop: r.a.meanDrop },
      { cell, study: lb, drop: r.b.meanDrop },
    ];
  });
  await writeChart(dir, 'compare', groupedBarChart(values, { x: 'cell', y: 'drop', group: 'study', title: `${la} vs ${lb}: mean relative PSNR drop`, yTitle: 'mean relative PSNR drop', yFormat: '.0%' }), true, files);
  await writeChart(dir, 'compare-models', groupedBarChart(ranking, { x: 'model', y: 'drop', group: 'study', title: `${la} vs ${lb}: by model`, yTitle: 'mean relative PSNR drop', yFormat: '.0%' }), true, files);
  const meanA = rows.reduce((s, r) => s + r.a.meanDrop, 0) / rows.length;
  const meanB = rows.reduce((s, r) => s + r.b.meanDrop, 0) / rows.length;
  writeFileSync(
    join(dir, 'compare-report.md'),
    [`# ${la} vs ${lb}`, '', `${rows.length} shared cells; mean relative PSNR drop ${pct(meanA)} (${la}) vs ${pct(meanB)} (${lb}).`, '', md, '![compare](compare.svg)', '![by model](compare-models.svg)', ''].join('\n'),
  );
  files.push('compare-report.md');
  return { cells: rows.length, files };
}
