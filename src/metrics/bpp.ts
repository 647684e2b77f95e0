import { tf } from '../engine/index.js';
import { stableSum } from './stable-sum.js';

/** Real rate: bytes × 8 / pixels. Accepts a byte count or the bitstream itself. */
export function bppFromBytes(bytes: number | Uint8Array, width: number, height: number): number {
  const n = typeof bytes === 'number' ? bytes : bytes.length;
  return (n * 8) / pixels(width, height);
}

export function bppFromBits(bits: number, width: number, height: number): number {
  return bits / pixels(width, height);
}

/**
 * Estimated rate in bits, Σ −log2 p, over one or several likelihood tensors (y and z).
 * Differentiable; the caller owns the returned scalar. Likelihoods are expected already
 * lower-bounded by the entropy model (CompressAI: 1e-9), so the log stays finite.
 */
export function bitsFromLikelihoods(likelihoods: tf.Tensor | readonly tf.Tensor[]): tf.Scalar {
  const list = Array.isArray(likelihoods) ? likelihoods : [likelihoods as tf.Tensor];
  return tf.tidy(() => {
    const nats = list.map((l) => stableSum(tf.log(l)));
    const total = nats.length === 1 ? nats[0]! : tf.addN(nats);
    return tf.div(total, -Math.LN2) as tf.Scalar;
  });
}

function pixels(width: number, height: number): number {
  if (!(width > 0 && height > 0)) throw new RangeError(`bpp: image size must be positive, got ${width}x${height}`);
  return width * height;
}
