import * as tf from '@tensorflow/tfjs-core';
import { OrtBackend } from './backend.js';
import { conv2DConfig, depthwiseConv2DConfig, fusedConv2DConfig } from './kernels/conv.js';
import { conv2DBackpropFilterConfig, conv2DBackpropInputConfig } from './kernels/convBackprop.js';
import { convBiasConfig, convTransposeBiasConfig } from './kernels/convBias.js';
import { gaussianConfig, gaussianDsConfig, gaussianDvConfig } from './kernels/gaussian.js';
import { gdnConfig, gdnDbetaConfig, gdnDgammaConfig, gdnDxConfig } from './kernels/gdn.js';
import { elementwiseConfigs } from './kernels/elementwise.js';
import { batchMatMulConfig } from './kernels/matmul.js';
import { shapeConfigs } from './kernels/shape.js';
import { BACKEND } from './kernels/util.js';

let registered = false;

/** Kernels that run in ONNX Runtime (each falls back to the cpu kernel when it declines). */
function ortKernels(): tf.KernelConfig[] {
  return [
    conv2DConfig,
    fusedConv2DConfig,
    depthwiseConv2DConfig,
    conv2DBackpropInputConfig,
    conv2DBackpropFilterConfig,
    batchMatMulConfig,
    ...elementwiseConfigs,
    ...shapeConfigs,
  ];
}

/** Registers backend 'ort': every cpu kernel, then the ORT overrides. Idempotent. */
export function registerOrtBackend(): void {
  if (registered) return;
  registered = true;
  tf.registerBackend(BACKEND, () => new OrtBackend(), 3);
  const overrides = ortKernels();
  const overridden = new Set(overrides.map((k) => k.kernelName));
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (!overridden.has(k.kernelName)) tf.registerKernel({ ...k, backendName: BACKEND });
  }
  for (const k of overrides) tf.registerKernel(k);
  // Fused blocks: kernels of their own, called by src/engine/ops/* only when the engine is 'ort'.
  for (const k of [gdnConfig, gdnDxConfig, gdnDbetaConfig, gdnDgammaConfig, convBiasConfig, convTransposeBiasConfig]) tf.registerKernel(k);
  for (const k of [gaussianConfig, gaussianDvConfig, gaussianDsConfig]) tf.registerKernel(k);
}
