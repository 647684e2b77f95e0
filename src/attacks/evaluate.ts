import { tf } from '../engine/index.js';
import { isDifferentiable, type Codec } from '../codec/types.js';
import type { RgbImage } from '../image/types.js';
import { imageToTensor } from '../image/tensor.js';
import { msSsimValue } from '../metrics/ms-ssim.js';
import { psnr } from '../metrics/psnr.js';
import { msSsimTensor } from './ms-ssim.js';

/** What really coding one input gives, judged against the ORIGINAL image. */
export interface CodingEvaluation {
  bytes: number;
  /** Real rate: bytes × 8 / pixels. */
  bppReal: number;
  /** Estimated rate from the forward pass (rounding), all latents; null for codecs without one. */
  bppEstimated: number | null;
  /** PSNR (dB) of the 8-bit-rounded decoded image vs the original; null when they are identical. */
  psnr: number | null;
  msSsim: number;
}

/** Size of the perturbation actually handed over (8-bit adversarial image vs original). */
export interface PerturbationSize {
  linf: number;
  /** L∞ in 8-bit levels. */
  linf255: number;
  l2: number;
  /** PSNR of the adversarial image vs the original; null when identical. */
  psnr: number | null;
}

/**
 * Compresses `input` for real (codec.compress), decodes it (codec.decompress) and measures the
 * reconstruction against `original` — the honest half of every attack result.
 */
export async function evaluateCoding(codec: Codec, original: RgbImage, input: RgbImage): Promise<CodingEvaluation> {
  return (await codeAndMeasure(codec, original, input)).evaluation;
}

/** evaluateCoding, also returning the decoded image (the CLI writes it). */
export async function codeAndMeasure(codec: Codec, original: RgbImage, input: RgbImage): Promise<{ evaluation: CodingEvaluation; decoded: RgbImage }> {
  const bytes = await codec.compress(input);
  const decoded = await codec.decompress(bytes);
  const pixels = original.width * original.height;
  const evaluation: CodingEvaluation = {
    bytes: bytes.length,
    bppReal: (bytes.length * 8) / pixels,
    bppEstimated: estimatedBpp(codec, input),
    psnr: finiteOrNull(psnr8(original.data, decoded.data, original.width, original.height)),
    msSsim: msSsimOf(original, decoded),
  };
  return { evaluation, decoded };
}

export function perturbationSize(original: RgbImage, adversarial: RgbImage): PerturbationSize {
  let linf = 0;
  let sq = 0;
  for (let i = 0; i < original.data.length; i++) {
    const d = Math.abs(adversarial.data[i]! - original.data[i]!);
    if (d > linf) linf = d;
    sq += d * d;
  }
  return { linf, linf255: Math.round(linf * 255 * 1000) / 1000, l2: Math.sqrt(sq), psnr: finiteOrNull(psnr8(original.data, adversarial.data, original.width, original.height)) };
}

function estimatedBpp(codec: Codec, input: RgbImage): number | null {
  if (!isDifferentiable(codec)) return null;
  const bits = tf.tidy(() => {
    const out = codec.forward(imageToTensor(input), 'round');
    const list = Object.values(out.bits);
    return list.length ? tf.addN(list) : tf.scalar(NaN);
  });
  const v = bits.dataSync()[0]!;
  bits.dispose();
  return Number.isFinite(v) ? v / (input.width * input.height) : null;
}

/** PSNR (peak 1) on 8-bit-rounded values, as DESIGN §6 prescribes. */
function psnr8(a: Float32Array, b: Float32Array, width: number, height: number): number {
  return psnr({ width, height, data: a }, { width, height, data: b }, { round8: true });
}

/** The metrics module's MS-SSIM (pytorch_msssim's) where defined (sides > 160 px), else the small-image variant. */
function msSsimOf(a: RgbImage, b: RgbImage): number {
  if (Math.min(a.width, a.height) > 160) return msSsimValue(a, b);
  const s = tf.tidy(() => msSsimTensor(imageToTensor(a), tf.clipByValue(imageToTensor(b), 0, 1)));
  const v = s.dataSync()[0]!;
  s.dispose();
  return v;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
