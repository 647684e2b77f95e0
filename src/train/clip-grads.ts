import { tf } from '../engine/index.js';

/**
 * Scales all gradients together so their global L2 norm is at most `maxNorm` (PyTorch's
 * clip_grad_norm_, CompressAI's default 1.0). Stays on the device: the scale
 * min(1, maxNorm / (norm + 1e-6)) is a tensor, so no host sync happens here.
 * Returns new gradient tensors plus the pre-clip norm; the caller disposes both and the inputs.
 * maxNorm <= 0 disables clipping (the norm is still returned for logging).
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const squares = names.map((n) => tf.sum(tf.square(grads[n]!)));
    const norm = tf.sqrt(tf.addN(squares)) as tf.Scalar;
    if (!(maxNorm > 0)) {
      const copies: Record<string, tf.Tensor> = {};
      for (const n of names) copies[n] = tf.clone(grads[n]!);
      return { grads: copies, norm };
    }
    const scale = tf.minimum(tf.scalar(1), tf.div(tf.scalar(maxNorm), tf.add(norm, 1e-6)));
    const clipped: Record<string, tf.Tensor> = {};
    for (const n of names) clipped[n] = tf.mul(grads[n]!, scale);
    return { grads: clipped, norm };
  });
}
