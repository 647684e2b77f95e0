import { configLabel, epsLabel, type AttackRow, type CellRow, type ModelRow, type QualityRow, type Stats } from './aggregate.js';
import { fixed, pct, type Column } from './tables.js';

/** The statistics columns every aggregated table ends with. */
export function statColumns<R extends Stats>(): Column<R>[] {
  return [
    { header: 'n', value: (r) => r.n },
    { header: 'mean_rel_psnr_drop', value: (r) => r.meanDrop, format: (r) => pct(r.meanDrop) },
    { header: 'worst_rel_psnr_drop', value: (r) => r.worstDrop, format: (r) => pct(r.worstDrop) },
    { header: 'mean_bpp_ratio', value: (r) => r.meanBppRatio, format: (r) => `${fixed(2)(r.meanBppRatio)}x` },
    { header: 'worst_bpp_ratio', value: (r) => r.worstBppRatio, format: (r) => `${fixed(2)(r.worstBppRatio)}x` },
    { header: 'mean_psnr_clean_db', value: (r) => r.meanPsnrClean, format: (r) => fixed(2)(r.meanPsnrClean) },
    { header: 'mean_psnr_attacked_db', value: (r) => r.meanPsnrAttacked, format: (r) => fixed(2)(r.meanPsnrAttacked) },
  ];
}

const left = 'left' as const;

export const cellColumns: Column<CellRow>[] = [
  { header: 'model', value: (r) => r.model, align: left },
  { header: 'quality', value: (r) => r.quality },
  { header: 'attack', value: (r) => r.attack, align: left },
  { header: 'goal', value: (r) => r.goal, align: left },
  { header: 'eps', value: (r) => r.eps, format: (r) => epsLabel(r.eps) },
  ...statColumns<CellRow>(),
];

export const modelColumns: Column<ModelRow>[] = [
  { header: 'rank', value: (r) => r.rank },
  { header: 'model', value: (r) => r.model, align: left },
  ...statColumns<ModelRow>(),
];

export const qualityColumns: Column<QualityRow>[] = [
  { header: 'model', value: (r) => r.model, align: left },
  { header: 'quality', value: (r) => r.quality },
  { header: 'config', value: (r) => configLabel(r.model, r.quality), align: left },
  ...statColumns<QualityRow>(),
];

export const attackColumns: Column<AttackRow>[] = [
  { header: 'attack', value: (r) => r.attack, align: left },
  { header: 'goal', value: (r) => r.goal, align: left },
  { header: 'eps', value: (r) => r.eps, format: (r) => epsLabel(r.eps) },
  ...statColumns<AttackRow>(),
];
