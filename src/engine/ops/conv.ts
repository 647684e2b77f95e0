import * as tf from '@tensorflow/tfjs-core';
import { CONV_BIAS_KERNEL, CONV_TRANSPOSE_BIAS_KERNEL } from '../ort/kernels/convBias.js';

type Pad = number | 'same' | 'valid';

let gradientsRegistered = false;

/**
 * Gradients per input, each lazy: TF.js calls only those on a path to the differentiated
 * inputs, so an input gradient (an attack) computes no filter gradient. (tf.fused.conv2d's
 * customGrad computes dx, dW and db every time.)
 */
function registerGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor =>
    tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
  const biasGrad = (dy: tf.Tensor) => (): tf.Tensor => tf.sum(dy, [0, 1, 2]);
  tf.registerGradient({
    kernelName: CONV_BIAS_KERNEL,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const g = dy as tf.Tensor4D;
      const at = { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', dimRoundingMode: attrs.dimRoundingMode };
      return {
        x: () => run('Conv2DBackpropInput', { dy: g, filter }, { ...at, inputShape: x.shape }),
        filter: () => run('Conv2DBackpropFilter', { x, dy: g }, { ...at, filterShape: filter.shape }),
        bias: biasGrad(g),
      };
    },
  });
  tf.registerGradient({
    kernelName: CONV_TRANSPOSE_BIAS_KERNEL,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const g = dy as tf.Tensor4D;
      const at = { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', dimRoundingMode: attrs.dimRoundingMode };
      return {
        // A transposed conv's input gradient is the forward conv; its filter gradient swaps roles.
        x: () => run('Conv2D', { x: g, filter }, { ...at, dilations: 1 }),
        filter: () => run('Conv2DBackpropFilter', { x: g, dy: x }, { ...at, filterShape: filter.shape }),
        bias: biasGrad(g),
      };
    },
  });
}

const fusable = (...ts: tf.Tensor[]): boolean => tf.getBackend() === 'ort' && ts.every((t) => t.dtype === 'float32');

/**
 * conv2d(x, filter, strides, pad) + bias on NHWC x, filter HWIO, bias [Cout]: one ORT graph on
 * the 'ort' engine, the two plain ops elsewhere.
 */
export function conv2dBias(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, strides: number, pad: Pad): tf.Tensor4D {
  if (!fusable(x, filter, bias)) return tf.tidy(() => tf.add(tf.conv2d(x, filter, strides, pad), bias));
  registerGradients();
  return tf.engine().runKernel(CONV_BIAS_KERNEL, { x, filter, bias }, { strides, pad } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * conv2dTranspose(x, filter [kh, kw, out, in], outShape, strides, pad) + bias [out] on NHWC x:
 * one ORT graph on the 'ort' engine, the two plain ops elsewhere.
 */
export function conv2dTransposeBias(
  x: tf.Tensor4D, filter: tf.Tensor4D, outShape: [number, number, number, number], strides: number, pad: Pad, bias: tf.Tensor1D,
): tf.Tensor4D {
  if (!fusable(x, filter, bias)) return tf.tidy(() => tf.add(tf.conv2dTranspose(x, filter, outShape, strides, pad), bias));
  registerGradients();
  const attrs = { strides, pad, inputShape: outShape };
  return tf.engine().runKernel(CONV_TRANSPOSE_BIAS_KERNEL, { x, filter, bias }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
