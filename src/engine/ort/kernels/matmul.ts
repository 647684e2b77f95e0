import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { thresholds } from '../thresholds.js';
import { GraphBuilder } from '../onnx.js';
import { allFloat, runToTensor, withFallback } from './util.js';



/** BatchMatMul on rank-3 inputs (the op reshapes to rank 3); ONNX MatMul broadcasts batch. */
export const batchMatMulConfig: KernelConfig = withFallback('BatchMatMul', ({ inputs, attrs, backend }) => {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (!allFloat([a, b]) || a.shape.length !== 3 || b.shape.length !== 3) return null;
  const [ba, a1, a2] = a.shape;
  const [bb, b1, b2] = b.shape;
  const m = transposeA ? a2 : a1;
  const k = transposeA ? a1 : a2;
  const n = transposeB ? b1 : b2;
  if (ba !== bb && ba !== 1 && bb !== 1) return null;
  const batch = Math.max(ba, bb);
  if (batch * m * n * k < thresholds.matmulMacs) return null;
  const outShape = [batch, m, n];
  const key = JSON.stringify(['BatchMatMul', a.shape, b.shape, transposeA, transposeB]);
  const build = (): GraphBuilder => {
    const g = new GraphBuilder();
    let x = g.input(a.shape);
    let y = g.input(b.shape);
    if (transposeA) x = g.node('Transpose', [x], { perm: [0, 2, 1] });
    if (transposeB) y = g.node('Transpose', [y], { perm: [0, 2, 1] });
    g.output(g.node('MatMul', [x, y]), outShape);
    return g;
  };
  return runToTensor(backend as MathBackendCPU, key, build, [a, b], outShape);
});
