import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { thresholds } from '../thresholds.js';
import { backend_util, util } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { GraphBuilder } from '../onnx.js';
import { allFloat, runToTensor, size, withFallback } from './util.js';

/** ONNX TensorProto.DataType codes. */
const ONNX_FLOAT = 1;
const ONNX_DOUBLE = 11;

const REDUCERS: Record<string, string> = { Sum: 'ReduceSum', Mean: 'ReduceMean', Max: 'ReduceMax', Min: 'ReduceMin' };

/**
 * Sum or mean over the leading axes (a layer's bias gradient: NHWC summed over N, H, W) in two
 * stages: float32 sums of groups of ≤ 64 rows, then float64 over the groups — a float64 copy of
 * 1/64 of the input instead of all of it. Null for other reductions, fewer than 8 columns, or
 * a row count without a divisor ≥ 16.
 */
function leadingRowSum(backend: MathBackendCPU, x: TensorInfo, axes: number[], onnxOp: string, outShape: number[]): TensorInfo | null {
  if (!thresholds.groupedSums || (onnxOp !== 'ReduceSum' && onnxOp !== 'ReduceMean')) return null;
  if (!axes.every((a, i) => a === i)) return null;
  const width = size(x.shape.slice(axes.length));
  const rows = size(x.shape) / width;
  let group = 64;
  while (group >= 16 && rows % group !== 0) group--;
  if (width < 8 || group < 16) return null;
  const key = JSON.stringify(['rowSum', rows, width, onnxOp, outShape]);
  const build = (): GraphBuilder => {
    const g = new GraphBuilder();
    const grouped = g.node('Reshape', [g.input(x.shape), g.constInt64([rows / group, group, width])]);
    const partial = g.node('Cast', [g.node('ReduceSum', [grouped, g.constInt64([1])], { keepdims: 0 })], { to: ONNX_DOUBLE });
    const total = onnxOp === 'ReduceSum'
      ? g.node('ReduceSum', [partial, g.constInt64([0])], { keepdims: 0 })
      : g.node('Div', [g.node('ReduceSum', [partial, g.constInt64([0])], { keepdims: 0 }), g.node('Cast', [g.constFloat([rows], [])], { to: ONNX_DOUBLE })]);
    g.output(g.node('Reshape', [g.node('Cast', [total], { to: ONNX_FLOAT }), g.constInt64(outShape)]), outShape);
    return g;
  };
  return runToTensor(backend, key, build, [x], outShape);
}

function reduce(name: string, onnxOp: string): KernelConfig {
  return withFallback(name, ({ inputs, attrs, backend }) => {
    const { x } = inputs as { x: TensorInfo };
    // Sum/Mean name the axes `axis`; Max/Min name them `reductionIndices`.
    const a = attrs as unknown as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
    const axis = 'axis' in a ? a.axis : a.reductionIndices;
    const keepDims = a.keepDims;
    if (!allFloat([x]) || size(x.shape) < thresholds.elements) return null;
    // null/undefined axis means all axes.
    const axes = util.parseAxisParam(axis ?? x.shape.map((_, i) => i), x.shape);
    if (axes.length === 0) return null;
    const [outShapeNoKeep] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const outShape = keepDims ? backend_util.expandShapeToKeepDim(outShapeNoKeep, axes) : outShapeNoKeep;
    const rowSum = leadingRowSum(backend as MathBackendCPU, x, axes, onnxOp, outShape);
    if (rowSum) return rowSum;
    const key = JSON.stringify([name, x.shape, axes, keepDims]);
    const build = (): GraphBuilder => {
      const g = new GraphBuilder();
      const xin = g.input(x.shape);
      // ORT accumulates float32 sums in float32 in one pass: over a Kodak-size map the mean of a
      // constant came out 0.3 % off. Sums and means therefore accumulate in float64.
      const accumulate = onnxOp === 'ReduceSum' || onnxOp === 'ReduceMean';
      const src = accumulate ? g.node('Cast', [xin], { to: ONNX_DOUBLE }) : xin;
      // Opset 17: ReduceSum takes axes as an input, the others as an attribute.
      const r = onnxOp === 'ReduceSum'
        ? g.node(onnxOp, [src, g.constInt64(axes)], { keepdims: keepDims ? 1 : 0 })
        : g.node(onnxOp, [src], { axes, keepdims: keepDims ? 1 : 0 });
      g.output(accumulate ? g.node('Cast', [r], { to: ONNX_FLOAT }) : r, outShape);
      return g;
    };
    return runToTensor(backend as MathBackendCPU, key, build, [x], outShape);
  });
}

const transposeConfig: KernelConfig = withFallback('Transpose', ({ inputs, attrs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  const { perm } = attrs as unknown as { perm: number[] };
  if (!allFloat([x]) || size(x.shape) < thresholds.elements) return null;
  const outShape = perm.map((p) => x.shape[p]);
  const key = JSON.stringify(['Transpose', x.shape, perm]);
  const build = (): GraphBuilder => {
    const g = new GraphBuilder();
    g.output(g.node('Transpose', [g.input(x.shape)], { perm }), outShape);
    return g;
  };
  return runToTensor(backend as MathBackendCPU, key, build, [x], outShape);
});

const padConfig: KernelConfig = withFallback('PadV2', ({ inputs, attrs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  const { paddings, constantValue } = attrs as unknown as { paddings: Array<[number, number]>; constantValue: number };
  if (!allFloat([x])) return null;
  const outShape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  if (size(outShape) < thresholds.elements) return null;
  const key = JSON.stringify(['Pad', x.shape, paddings, constantValue]);
  const build = (): GraphBuilder => {
    const g = new GraphBuilder();
    const pads = g.constInt64([...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])]);
    const value = g.constFloat([constantValue], []);
    g.output(g.node('Pad', [g.input(x.shape), pads, value], { mode: 'constant' }), outShape);
    return g;
  };
  return runToTensor(backend as MathBackendCPU, key, build, [x], outShape);
});

export const shapeConfigs: KernelConfig[] = [
  ...Object.entries(REDUCERS).map(([n, o]) => reduce(n, o)),
  transposeConfig,
  padConfig,
];
