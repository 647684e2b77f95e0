import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { thresholds } from '../thresholds.js';
import { backend_util } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { GraphBuilder, f32 } from '../onnx.js';
import { allFloat, runToTensor, size, withFallback } from './util.js';

type Emit = (g: GraphBuilder, ins: string[], attrs: Record<string, unknown>) => string;

/** TF.js unary kernels and how each is written in ONNX. */
const UNARY: Record<string, Emit> = {
  Square: (g, [x]) => g.node('Mul', [x, x]),
  Sqrt: (g, [x]) => g.node('Sqrt', [x]),
  Rsqrt: (g, [x]) => g.node('Reciprocal', [g.node('Sqrt', [x])]),
  Reciprocal: (g, [x]) => g.node('Reciprocal', [x]),
  Exp: (g, [x]) => g.node('Exp', [x]),
  Log: (g, [x]) => g.node('Log', [x]),
  Sigmoid: (g, [x]) => g.node('Sigmoid', [x]),
  Softplus: (g, [x]) => g.node('Softplus', [x]),
  Erf: (g, [x]) => g.node('Erf', [x]),
  Abs: (g, [x]) => g.node('Abs', [x]),
  Relu: (g, [x]) => g.node('Relu', [x]),
  LeakyRelu: (g, [x], a) => g.node('LeakyRelu', [x], { alpha: f32(Number(a.alpha ?? 0.2)) }),
  Tanh: (g, [x]) => g.node('Tanh', [x]),
  Neg: (g, [x]) => g.node('Neg', [x]),
  Round: (g, [x]) => g.node('Round', [x]),
  Sign: (g, [x]) => g.node('Sign', [x]),
  Floor: (g, [x]) => g.node('Floor', [x]),
};

/** TF.js binary kernels (numpy broadcasting, like ONNX). */
const BINARY: Record<string, Emit> = {
  Add: (g, [a, b]) => g.node('Add', [a, b]),
  Sub: (g, [a, b]) => g.node('Sub', [a, b]),
  Multiply: (g, [a, b]) => g.node('Mul', [a, b]),
  RealDiv: (g, [a, b]) => g.node('Div', [a, b]),
  Maximum: (g, [a, b]) => g.node('Max', [a, b]),
  Minimum: (g, [a, b]) => g.node('Min', [a, b]),
  Pow: (g, [a, b]) => g.node('Pow', [a, b]),
  SquaredDifference: (g, [a, b]) => {
    const d = g.node('Sub', [a, b]);
    return g.node('Mul', [d, d]);
  },
};

function elementwise(name: string, emit: Emit, arity: 1 | 2): KernelConfig {
  return withFallback(name, ({ inputs, attrs, backend }) => {
    const ins = (arity === 1 ? [inputs.x] : [inputs.a, inputs.b]) as TensorInfo[];
    if (!allFloat(ins)) return null;
    const outShape = arity === 1 ? [...ins[0].shape] : backend_util.assertAndGetBroadcastShape(ins[0].shape, ins[1].shape);
    if (size(outShape) < thresholds.elements) return null;
    const a = (attrs ?? {}) as Record<string, unknown>;
    const key = JSON.stringify([name, ins.map((t) => t.shape), a]);
    const build = (): GraphBuilder => {
      const g = new GraphBuilder();
      const names = ins.map((t) => g.input(t.shape));
      g.output(emit(g, names, a), outShape);
      return g;
    };
    return runToTensor(backend as MathBackendCPU, key, build, ins, outShape);
  });
}

/** AddN: the gradient tape's accumulator, one pass instead of n-1. */
const addNConfig: KernelConfig = withFallback('AddN', ({ inputs, backend }) => {
  const ins = inputs as unknown as TensorInfo[];
  if (ins.length < 2 || !allFloat(ins) || size(ins[0].shape) < thresholds.elements) return null;
  const shape = [...ins[0].shape];
  const key = JSON.stringify(['AddN', ins.length, shape]);
  const build = (): GraphBuilder => {
    const g = new GraphBuilder();
    g.output(g.node('Sum', ins.map(() => g.input(shape))), shape);
    return g;
  };
  return runToTensor(backend as MathBackendCPU, key, build, ins, shape);
});

export const elementwiseConfigs: KernelConfig[] = [
  ...Object.entries(UNARY).map(([n, e]) => elementwise(n, e, 1)),
  ...Object.entries(BINARY).map(([n, e]) => elementwise(n, e, 2)),
  addNConfig,
];
