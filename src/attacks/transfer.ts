import type { Codec } from '../codec/types.js';
import type { RgbImage } from '../image/types.js';
import { codeAndMeasure, type CodingEvaluation } from './evaluate.js';

/** One target codec judged on a perturbation that was made against another (white-box) codec. */
export interface TransferRow {
  target: string;
  clean: CodingEvaluation;
  attacked: CodingEvaluation;
  /** (PSNR_clean − PSNR_attacked) / PSNR_clean, both against the original; null if undefined. */
  psnrDropRel: number | null;
  /** bpp_attacked / bpp_clean, real bitstreams. */
  bppRatio: number;
}

/**
 * Transfer evaluation: the original and the 8-bit adversarial image (made against some source
 * model) are both really coded by every target codec and judged against the original, the same
 * honest measurement as a white-box result.
 */
export async function evaluateTransfer(original: RgbImage, adversarial: RgbImage, targets: readonly Codec[]): Promise<TransferRow[]> {
  const rows: TransferRow[] = [];
  for (const codec of targets) {
    const clean = (await codeAndMeasure(codec, original, original)).evaluation;
    const attacked = (await codeAndMeasure(codec, original, adversarial)).evaluation;
    rows.push({
      target: codec.id,
      clean,
      attacked,
      psnrDropRel: clean.psnr !== null && attacked.psnr !== null ? (clean.psnr - attacked.psnr) / clean.psnr : null,
      bppRatio: attacked.bppReal / clean.bppReal,
    });
  }
  return rows;
}
