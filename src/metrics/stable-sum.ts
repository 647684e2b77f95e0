import { tf } from '../engine/index.js';

/**
 * Sum of all elements in two stages of about √n terms each. A one-pass float32 reduction over
 * hundreds of thousands of elements (as some backends do it) loses ~1e-3 relative accuracy;
 * two short passes keep the error near float32 rounding. Differentiable.
 */
export function stableSum(x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const n = x.size;
    const m = Math.max(1, Math.ceil(Math.sqrt(n)));
    const rows = Math.ceil(n / m);
    const flat = x.reshape([n]);
    const padded = rows * m === n ? flat : tf.pad(flat, [[0, rows * m - n]]);
    return padded.reshape([rows, m]).sum(1).sum() as tf.Scalar;
  });
}

/** Mean over the spatial axes of NHWC, one axis at a time (see stableSum for why) → [N, C]. */
export function spatialMean(x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => x.mean(2).mean(1) as tf.Tensor2D);
}
