import { tf } from '../engine/index.js';
import { ImageShapeError, ImageSizeError } from '../errors.js';
import { imageToTensor } from '../image/tensor.js';
import type { RgbImage } from '../image/types.js';
import { assertSameShape } from './image-like.js';
import { spatialMean } from './stable-sum.js';

/**
 * SSIM as defined by pytorch_msssim (the package CompressAI evaluates with): an 11-tap
 * Gaussian window (σ = 1.5) applied separably as a *valid* convolution per channel,
 * C1 = (K1 · range)², C2 = (K2 · range)², K = (0.01, 0.03); the SSIM and contrast-structure
 * maps are averaged per image and channel. Inputs are NHWC in [0, dataRange].
 */
export interface SsimOptions {
  dataRange?: number;
  winSize?: number;
  winSigma?: number;
  k1?: number;
  k2?: number;
}

interface Resolved {
  dataRange: number;
  winSize: number;
  winSigma: number;
  k1: number;
  k2: number;
}

export function resolveSsimOptions(o: SsimOptions = {}): Resolved {
  const r = { dataRange: o.dataRange ?? 1, winSize: o.winSize ?? 11, winSigma: o.winSigma ?? 1.5, k1: o.k1 ?? 0.01, k2: o.k2 ?? 0.03 };
  if (r.winSize % 2 !== 1 || r.winSize < 1) throw new RangeError(`SSIM window size must be odd, got ${r.winSize}`);
  return r;
}

/** Normalised 1-D Gaussian taps centred on winSize // 2. */
export function gaussianWindow(winSize: number, sigma: number): Float32Array {
  const g = new Float64Array(winSize);
  let sum = 0;
  for (let i = 0; i < winSize; i++) {
    const c = i - Math.floor(winSize / 2);
    g[i] = Math.exp(-(c * c) / (2 * sigma * sigma));
    sum += g[i]!;
  }
  return Float32Array.from(g, (v) => v / sum);
}

/** Separable valid Gaussian blur of every channel (two depthwise convolutions). */
function blur(x: tf.Tensor4D, win: Float32Array): tf.Tensor4D {
  const c = x.shape[3];
  const k = win.length;
  const taps = new Float32Array(k * c);
  for (let i = 0; i < k; i++) taps.fill(win[i]!, i * c, (i + 1) * c);
  const along = (shape: [number, number, number, number]) => tf.tensor4d(taps, shape);
  const horizontal = tf.depthwiseConv2d(x, along([1, k, c, 1]), 1, 'valid');
  return tf.depthwiseConv2d(horizontal, along([k, 1, c, 1]), 1, 'valid');
}

/**
 * Per-image, per-channel SSIM and contrast-structure means, each [N, C]. Call inside tf.tidy.
 */
export function ssimComponents(x: tf.Tensor4D, y: tf.Tensor4D, o: Resolved): { ssim: tf.Tensor2D; cs: tf.Tensor2D } {
  const win = gaussianWindow(o.winSize, o.winSigma);
  const c1 = (o.k1 * o.dataRange) ** 2;
  const c2 = (o.k2 * o.dataRange) ** 2;
  const muX = blur(x, win);
  const muY = blur(y, win);
  const muXX = muX.square();
  const muYY = muY.square();
  const muXY = muX.mul(muY);
  const sigmaXX = blur(x.square(), win).sub(muXX);
  const sigmaYY = blur(y.square(), win).sub(muYY);
  const sigmaXY = blur(x.mul(y), win).sub(muXY);
  const csMap = sigmaXY.mul(2).add(c2).div(sigmaXX.add(sigmaYY).add(c2));
  const lumMap = muXY.mul(2).add(c1).div(muXX.add(muYY).add(c1));
  const ssimMap = lumMap.mul(csMap);
  return { ssim: spatialMean(ssimMap as tf.Tensor4D), cs: spatialMean(csMap as tf.Tensor4D) };
}

/** Validates a pair of NHWC inputs (or RgbImages) and returns them as tensors (caller disposes). */
export function pairAsTensors(a: tf.Tensor4D | RgbImage, b: tf.Tensor4D | RgbImage, what: string): [tf.Tensor4D, tf.Tensor4D] {
  assertSameShape(a, b, what);
  const x = a instanceof tf.Tensor ? a : imageToTensor(a);
  const y = b instanceof tf.Tensor ? b : imageToTensor(b);
  if (x.rank !== 4) throw new ImageShapeError(`${what}: expected NHWC tensors of rank 4, got shape [${x.shape.join(',')}]`);
  return [x, y];
}

/**
 * Mean SSIM over images and channels (pytorch_msssim `ssim(..., size_average=True)`), as a
 * differentiable scalar. Needs both sides ≥ the window size (11).
 */
export function ssim(a: tf.Tensor4D | RgbImage, b: tf.Tensor4D | RgbImage, opts: SsimOptions = {}): tf.Scalar {
  const o = resolveSsimOptions(opts);
  return tf.tidy(() => {
    const [x, y] = pairAsTensors(a, b, 'ssim');
    const [, h, w] = x.shape;
    if (Math.min(h, w) < o.winSize) {
      throw new ImageSizeError(`SSIM needs both image sides >= ${o.winSize} px, got ${w}x${h}`);
    }
    return ssimComponents(x.toFloat(), y.toFloat(), o).ssim.mean() as tf.Scalar;
  });
}

/** SSIM as a plain number (no gradient). */
export function ssimValue(a: tf.Tensor4D | RgbImage, b: tf.Tensor4D | RgbImage, opts: SsimOptions = {}): number {
  const s = ssim(a, b, opts);
  const v = s.dataSync()[0]!;
  s.dispose();
  return v;
}
