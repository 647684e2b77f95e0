import * as tf from '@tensorflow/tfjs-core';
import { GDN_GRAD_KERNEL, GDN_KERNEL } from '../ort/kernels/gdn.js';
import { thresholds } from '../ort/thresholds.js';

/** The plain-ops reference (any backend): x · rsqrt(β + γ·x²), or x · sqrt(…) when inverse. */
export function gdnPlain(x: tf.Tensor4D, beta: tf.Tensor1D, gamma: tf.Tensor2D, inverse: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const sq = tf.reshape(tf.square(x), [b * h * w, c]);
    const norm = tf.add(tf.matMul(sq, gamma, false, true), beta);
    const factor = inverse ? tf.sqrt(norm) : tf.rsqrt(norm);
    return tf.mul(x, tf.reshape(factor, [b, h, w, c]));
  });
}

/**
 * Generalized divisive normalization (Ballé et al.) on NHWC x with effective beta [C] and
 * gamma [Cout, Cin] (PyTorch layout, already reparametrized). On the 'ort' engine the forward
 * and the backward are each one ONNX Runtime graph (the autodiff of the plain ops makes 8–10
 * full-resolution passes); on other backends, or for small tensors, it is gdnPlain.
 */
export function gdn(x: tf.Tensor4D, beta: tf.Tensor1D, gamma: tf.Tensor2D, inverse: boolean): tf.Tensor4D {
  const c = x.shape[3];
  if (beta.shape[0] !== c || gamma.shape[0] !== c || gamma.shape[1] !== c) {
    throw new Error(`Error in gdn: channels ${c} need beta [${c}] and gamma [${c}, ${c}], got [${beta.shape}] and [${gamma.shape}]`);
  }
  if (tf.getBackend() !== 'ort' || x.size < thresholds.elements || x.dtype !== 'float32') {
    return gdnPlain(x, beta, gamma, inverse);
  }
  const fused = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, bs, gs] = args as tf.Tensor[];
    (args[3] as tf.GradSaveFunc)([xs, bs, gs]);
    const value = tf.engine().runKernel(GDN_KERNEL, { x: xs, beta: bs, gamma: gs }, { inverse }) as tf.Tensor4D;
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sx, sb, sg] = saved;
      return tf.engine().runKernel(GDN_GRAD_KERNEL, { x: sx, beta: sb, gamma: sg, dy }, { inverse }) as tf.Tensor[];
    };
    return { value, gradFunc };
  });
  return fused(x, beta, gamma) as tf.Tensor4D;
}
