/**
 * Judges a codec on one image, as CompressAI's eval_model does: real coding (bytes → bpp,
 * decode → PSNR / MS-SSIM) and, for learned codecs, the estimated rate of the 'round' forward
 * pass. With `entropyEstimation` real coding is skipped and the forward's x̂ is judged instead.
 */
import { tf } from '../engine/index.js';
import { ImageSizeError } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import { imageToTensor, tensorToImage } from '../image/tensor.js';
import { bppFromBits, bppFromBytes } from '../metrics/bpp.js';
import { psnr } from '../metrics/psnr.js';
import { msSsimValue } from '../metrics/ms-ssim.js';
import { isDifferentiable, type Codec, type DifferentiableCodec } from './types.js';

export interface CodecImageResult {
  codec: string;
  image: string;
  width: number;
  height: number;
  /** dB on 8-bit-rounded images; null if lossless (infinite). */
  psnr: number | null;
  /** null when a side is ≤ 160 px (MS-SSIM undefined, see src/metrics). */
  msSsim: number | null;
  /** Σ −log2 p of the 'round' forward / pixels; null for classical codecs. */
  bppEstimated: number | null;
  /** bytes × 8 / pixels; null under entropy estimation. */
  bppReal: number | null;
  bytes: number | null;
  encodeMs: number | null;
  decodeMs: number | null;
}

export interface EvaluateOptions {
  /** Skip real coding; judge the forward pass's x̂ (learned codecs only). */
  entropyEstimation?: boolean;
}

export async function evaluateCodecOnImage(codec: Codec, img: RgbImage, name: string, opts: EvaluateOptions = {}): Promise<CodecImageResult> {
  const wantImage = Boolean(opts.entropyEstimation);
  const estimate = isDifferentiable(codec) ? await estimateWithForward(codec, img, wantImage) : undefined;
  const base = { codec: codec.id, image: name, width: img.width, height: img.height };
  if (estimate?.xHat) {
    return { ...base, ...quality(img, estimate.xHat), bppEstimated: estimate.bpp, bppReal: null, bytes: null, encodeMs: null, decodeMs: null };
  }
  const t0 = performance.now();
  const bytes = await codec.compress(img);
  const t1 = performance.now();
  const rec = await codec.decompress(bytes);
  const t2 = performance.now();
  return {
    ...base,
    ...quality(img, rec),
    bppEstimated: estimate?.bpp ?? null,
    bppReal: bppFromBytes(bytes, img.width, img.height),
    bytes: bytes.length,
    encodeMs: t1 - t0,
    decodeMs: t2 - t1,
  };
}

async function estimateWithForward(codec: DifferentiableCodec, img: RgbImage, wantImage: boolean): Promise<{ bpp: number; xHat?: RgbImage }> {
  const x = imageToTensor(img);
  const { xHat, bits } = tf.tidy(() => {
    const out = codec.forward(x, 'round');
    return { xHat: out.xHat, bits: tf.addN(Object.values(out.bits)) as tf.Scalar };
  });
  x.dispose();
  const totalBits = bits.dataSync()[0]!;
  bits.dispose();
  try {
    const bpp = bppFromBits(totalBits, img.width, img.height);
    return wantImage ? { bpp, xHat: await tensorToImage(xHat) } : { bpp };
  } finally {
    xHat.dispose();
  }
}

function quality(img: RgbImage, rec: RgbImage): { psnr: number | null; msSsim: number | null } {
  const p = psnr(img, rec);
  let ms: number | null = null;
  try {
    ms = msSsimValue(img, rec);
  } catch (e) {
    if (!(e instanceof ImageSizeError)) throw e;
  }
  return { psnr: Number.isFinite(p) ? p : null, msSsim: ms };
}

export type CodecMeanResult = Omit<CodecImageResult, 'image' | 'width' | 'height'> & { images: number };

/** Per-field means over the images; a field is null when no image has a value for it. */
export function meanResults(codec: string, rows: readonly CodecImageResult[]): CodecMeanResult {
  const mean = (k: keyof CodecImageResult): number | null => {
    const vs = rows.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
    return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
  };
  return {
    codec,
    images: rows.length,
    psnr: mean('psnr'),
    msSsim: mean('msSsim'),
    bppEstimated: mean('bppEstimated'),
    bppReal: mean('bppReal'),
    bytes: mean('bytes'),
    encodeMs: mean('encodeMs'),
    decodeMs: mean('decodeMs'),
  };
}
