import { tf } from '../engine/index.js';

/**
 * Clip-by-global-norm as a factor (PyTorch's clip_grad_norm_, CompressAI's default 1.0):
 * scale = min(1, maxNorm / (‖g‖₂ + 1e-6)) over all gradients together. Returned as a tensor,
 * so nothing is read back to the host; Adam multiplies it in (no extra pass over the
 * gradients). maxNorm <= 0 disables clipping (scale 1; the norm is still returned for logs).
 * The caller disposes both scalars.
 */
export function clipScale(grads: Record<string, tf.Tensor>, maxNorm: number): { scale: tf.Scalar; norm: tf.Scalar } {
  return tf.tidy(() => {
    const squares = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(squares.length === 1 ? squares[0]! : tf.addN(squares)) as tf.Scalar;
    const scale = maxNorm > 0 ? (tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6))) as tf.Scalar) : tf.scalar(1);
    return { scale, norm };
  });
}
