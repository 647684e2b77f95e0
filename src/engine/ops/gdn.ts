import * as tf from '@tensorflow/tfjs-core';
import { GDN_DBETA_KERNEL, GDN_DGAMMA_KERNEL, GDN_DX_KERNEL, GDN_KERNEL, type GdnAttrs } from '../ort/kernels/gdn.js';
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

let gradientRegistered = false;

/**
 * The fused forward saves x, γ and its output y, whose data carries the factor f (see
 * ort/kernels/gdn.ts); each input's gradient is a separate lazy kernel, and TF.js's backprop
 * only calls those on a path to the differentiated inputs (an input gradient alone skips dβ and
 * dγ).
 */
function registerGdnGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: GDN_KERNEL,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const a = attrs as unknown as tf.NamedAttrMap;
      const k = (name: string, ins: tf.NamedTensorMap) => (): tf.Tensor => tf.engine().runKernel(name, ins, a) as tf.Tensor;
      const g = dy as tf.Tensor;
      return {
        x: k(GDN_DX_KERNEL, { x, y, dy: g, gamma }),
        beta: k(GDN_DBETA_KERNEL, { x, y, dy: g }),
        gamma: k(GDN_DGAMMA_KERNEL, { x, y, dy: g }),
      };
    },
  });
}

/**
 * Generalized divisive normalization (Ballé et al.) on NHWC x with effective beta [C] and
 * gamma [Cout, Cin] (PyTorch layout, already reparametrized). On the 'ort' engine the forward
 * and each gradient are single ONNX Runtime graphs (the autodiff of the plain ops makes 8–10
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
  registerGdnGradient();
  // The factor only matters when this call is recorded for backprop.
  const saveFactor = tf.engine().isTapeOn();
  const attrs: GdnAttrs = { inverse, saveFactor };
  return tf.engine().runKernel(GDN_KERNEL, { x, beta, gamma }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
