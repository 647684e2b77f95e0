import { tf } from '../../engine/index.js';

/**
 * Generalized divisive normalization on NHWC x with effective (already reparametrized)
 * beta [C] and gamma [Cout, Cin]: y_i = x_i · rsqrt(beta_i + Σ_j gamma_ij x_j²), or
 * x_i · sqrt(...) for the inverse. The engine may replace this with a fused op of the same
 * signature (src/engine/ops/gdn.ts).
 */
export function gdn(x: tf.Tensor4D, beta: tf.Tensor1D, gamma: tf.Tensor2D, inverse: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const sq = tf.reshape(tf.square(x), [b * h * w, c]);
    const norm = tf.add(tf.matMul(sq, gamma, false, true), beta);
    const factor = inverse ? tf.sqrt(norm) : tf.rsqrt(norm);
    return tf.mul(x, tf.reshape(factor, [b, h, w, c]));
  });
}
