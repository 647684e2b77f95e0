import type * as tf from '@tensorflow/tfjs-core';

/**
 * Clip-by-global-norm as a factor (PyTorch's clip_grad_norm_, CompressAI's default 1.0):
 * scale = min(1, maxNorm / (‖g‖₂ + 1e-6)) over all gradients together, the norm summed in
 * float64 on the host. The engines keep tensor data in host memory, so reading gradients is
 * free, and the scale is folded into Adam's single pass instead of a separate multiply.
 * maxNorm <= 0 disables clipping (scale 1; the norm is still returned for logs).
 */
export function clipScale(grads: Record<string, tf.Tensor>, maxNorm: number): { scale: number; norm: number } {
  let sum = 0;
  for (const g of Object.values(grads)) {
    const d = g.dataSync() as Float32Array;
    for (let i = 0; i < d.length; i++) sum += d[i]! * d[i]!;
  }
  const norm = Math.sqrt(sum);
  return { scale: maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1, norm };
}
