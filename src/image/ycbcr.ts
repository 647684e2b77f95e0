import { tf } from '../engine/index.js';

// ITU-R BT.601 luma weights, full range, chroma offset 0.5 (CompressAI's rgb2ycbcr convention).
const KR = 0.299;
const KG = 0.587;
const KB = 0.114;

/** Rows: input channel (R,G,B); columns: output (Y, Cb, Cr). Y = KR R + KG G + KB B, etc. */
const RGB_TO_YCBCR: number[][] = [
  [KR, -0.5 * KR / (1 - KB), 0.5],
  [KG, -0.5 * KG / (1 - KB), -0.5 * KG / (1 - KR)],
  [KB, 0.5, -0.5 * KB / (1 - KR)],
];

/** Exact inverse (R = Y + 2(1-KR)(Cr-0.5), B = Y + 2(1-KB)(Cb-0.5), G from the luma equation). */
const YCBCR_TO_RGB: number[][] = [
  [1, 1, 1],
  [0, -2 * (1 - KB) * KB / KG, 2 * (1 - KB)],
  [2 * (1 - KR), -2 * (1 - KR) * KR / KG, 0],
];

/** RGB [..., 3] in [0,1] → YCbCr [..., 3] (BT.601 full range, Cb/Cr centred on 0.5). Differentiable. */
export function rgbToYCbCr<T extends tf.Tensor>(rgb: T): T {
  return tf.tidy(() => tf.add(mixChannels(rgb, RGB_TO_YCBCR), tf.tensor1d([0, 0.5, 0.5])) as T);
}

/** Inverse of rgbToYCbCr. Not clamped (out-of-gamut YCbCr maps outside [0,1]). Differentiable. */
export function yCbCrToRgb<T extends tf.Tensor>(ycc: T): T {
  return tf.tidy(() => mixChannels(tf.sub(ycc, tf.tensor1d([0, 0.5, 0.5])), YCBCR_TO_RGB) as T);
}

function mixChannels(x: tf.Tensor, m: number[][]): tf.Tensor {
  const shape = x.shape;
  if (shape[shape.length - 1] !== 3) throw new RangeError(`colour conversion needs 3 channels last, got shape [${shape.join(',')}]`);
  return tf.matMul(x.reshape([-1, 3]), tf.tensor2d(m)).reshape(shape);
}
