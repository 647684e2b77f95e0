import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { fusedConv2DConfig } from './conv.js';
import { inputGradient } from './convBackprop.js';
import { BACKEND, cpuKernel } from './util.js';

/**
 * Conv layers with their bias as one ORT graph (kernel names of ops/conv.ts; 'ort' only). The
 * bias is added inside the conv kernels instead of by a full-resolution broadcast Add.
 */
export const CONV_BIAS_KERNEL = 'AdvlicConv2DBias';
export const CONV_TRANSPOSE_BIAS_KERNEL = 'AdvlicConv2DTransposeBias';

interface Inputs { x: TensorInfo; filter: TensorInfo; bias: TensorInfo }

/** conv2d(x, filter) + bias: the FusedConv2D kernel with a linear activation. */
export const convBiasConfig: KernelConfig = {
  kernelName: CONV_BIAS_KERNEL,
  backendName: BACKEND,
  kernelFunc: ({ inputs, attrs, backend }) =>
    fusedConv2DConfig.kernelFunc({ inputs, backend, attrs: { ...attrs, dataFormat: 'NHWC', dilations: 1, activation: 'linear' } }),
};

/** conv2dTranspose(x, filter, inputShape) + bias; attrs as Conv2DBackpropInput's. */
export const convTransposeBiasConfig: KernelConfig = {
  kernelName: CONV_TRANSPOSE_BIAS_KERNEL,
  backendName: BACKEND,
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, filter, bias } = inputs as unknown as Inputs;
    const b = backend as MathBackendCPU;
    const fused = inputGradient(b, x, filter, { ...attrs, dataFormat: 'NHWC' }, bias);
    if (fused) return fused;
    // Declined (small or unusual geometry): the two kernels, unfused.
    const y = cpuKernel('Conv2DBackpropInput')({ inputs: { dy: x, filter }, attrs: { ...attrs, dataFormat: 'NHWC' }, backend: b }) as TensorInfo;
    const out = cpuKernel('Add')({ inputs: { a: y, b: bias }, backend: b }) as TensorInfo;
    b.disposeIntermediateTensorInfo(y);
    return out;
  },
};
