import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { f32Values } from '../backend.js';
import type { GraphBuilder } from '../onnx.js';
import { runGraph } from '../runtime.js';

export const BACKEND = 'ort';

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);


/** Calls the cpu backend's own kernel (the reference) on our backend's storage. */
export function cpuKernel(name: string): KernelFunc {
  const k = getKernel(name, 'cpu');
  if (!k) throw new Error(`cpu backend has no kernel ${name}`);
  return k.kernelFunc;
}

/**
 * A kernel config that runs `ort` when it returns a result, else the cpu kernel.
 * `ort` returns null to decline (wrong dtype, too small, unsupported attrs).
 */
export function withFallback(
  kernelName: string,
  ort: (args: Parameters<KernelFunc>[0]) => TensorInfo | TensorInfo[] | null,
): KernelConfig {
  let fallback: KernelFunc | undefined;
  return {
    kernelName,
    backendName: BACKEND,
    kernelFunc: (args) => ort(args) ?? (fallback ??= cpuKernel(kernelName))(args),
  };
}

/**
 * Runs a one-output graph on float32 tensors and wraps the result as a new tensor. `ortShape`
 * (same size) is the graph output's declared shape when it differs from the tensor's: its last
 * node then writes the caller's buffer directly instead of through a copying Reshape.
 */
export function runToTensor(
  backend: MathBackendCPU,
  key: string,
  build: () => GraphBuilder,
  inputs: readonly TensorInfo[],
  outShape: number[],
  ortShape: readonly number[] = outShape,
): TensorInfo {
  const feeds = inputs.map((t) => ({ data: f32Values(backend, t.dataId), shape: t.shape }));
  const [out] = runGraph(key, build, feeds, [ortShape]);
  return backend.makeTensorInfo(outShape, 'float32', out);
}

export const allFloat = (ts: ReadonlyArray<TensorInfo | undefined>): boolean =>
  ts.every((t) => t === undefined || t.dtype === 'float32');
