import { MSE_LAMBDAS } from '../models/registry.js';
import type { DistortionMetric } from './rd-loss.js';

/** CompressAI's MS-SSIM λ per quality 1..8 (its zoo training recipe). */
export const MS_SSIM_LAMBDAS = [2.4, 4.58, 8.73, 16.64, 31.73, 60.5, 115.37, 220.0] as const;

export function lambdaTable(metric: DistortionMetric): readonly number[] {
  return metric === 'ms-ssim' ? MS_SSIM_LAMBDAS : MSE_LAMBDAS;
}

/** The quality label whose zoo λ is nearest (in log scale) to `lambda`, for a run given only --lambda. */
export function nearestQuality(lambda: number, metric: DistortionMetric): number {
  const table = lambdaTable(metric);
  let best = 0;
  for (let q = 1; q < table.length; q++) {
    if (Math.abs(Math.log(table[q]! / lambda)) < Math.abs(Math.log(table[best]! / lambda))) best = q;
  }
  return best + 1;
}
