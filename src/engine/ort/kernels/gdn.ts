import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { f32Values } from '../backend.js';
import { GraphBuilder, f32 } from '../onnx.js';
import { runGraph } from '../runtime.js';
import { BACKEND } from './util.js';

/** Kernel names of the fused GDN forward and backward (ORT backend only; see ops/gdn.ts). */
export const GDN_KERNEL = 'AdvlicGdn';
export const GDN_GRAD_KERNEL = 'AdvlicGdnGrad';

interface GdnInputs { x: TensorInfo; beta: TensorInfo; gamma: TensorInfo; dy?: TensorInfo }

/** n = beta + x² · gammaᵀ over the channel axis (MatMul broadcasts the leading NHW dims). */
function norm(g: GraphBuilder, x: string, beta: string, gamma: string): { sq: string; n: string } {
  const sq = g.node('Mul', [x, x]);
  const n = g.node('Add', [g.node('MatMul', [sq, g.node('Transpose', [gamma], { perm: [1, 0] })]), beta]);
  return { sq, n };
}

function run(backend: MathBackendCPU, key: string, build: () => GraphBuilder, ins: TensorInfo[], shapes: number[][]): TensorInfo[] {
  const feeds = ins.map((t) => ({ data: f32Values(backend, t.dataId), shape: t.shape }));
  const outs = runGraph(key, build, feeds, shapes);
  return outs.map((o, i) => backend.makeTensorInfo(shapes[i], 'float32', o));
}

export const gdnConfig: KernelConfig = {
  kernelName: GDN_KERNEL,
  backendName: BACKEND,
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, beta, gamma } = inputs as unknown as GdnInputs;
    const inverse = Boolean((attrs as { inverse?: boolean }).inverse);
    const key = JSON.stringify([GDN_KERNEL, x.shape, inverse]);
    const build = (): GraphBuilder => {
      const g = new GraphBuilder();
      const [xi, bi, gi] = [g.input(x.shape), g.input(beta.shape), g.input(gamma.shape)];
      const { n } = norm(g, xi, bi, gi);
      const factor = inverse ? g.node('Sqrt', [n]) : g.node('Reciprocal', [g.node('Sqrt', [n])]);
      g.output(g.node('Mul', [xi, factor]), x.shape);
      return g;
    };
    return run(backend as MathBackendCPU, key, build, [x, beta, gamma], [x.shape])[0];
  },
};

/**
 * Backward of y = x·f(n), f = n^-½ (GDN) or n^½ (IGDN), n = β + γ·x²:
 * dn = dy·x·f'(n); dx = dy·f(n) + 2x·(dn·γ); dβ = Σ dn; dγ = dnᵀ·x².
 */
export const gdnGradConfig: KernelConfig = {
  kernelName: GDN_GRAD_KERNEL,
  backendName: BACKEND,
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, beta, gamma, dy } = inputs as unknown as Required<GdnInputs>;
    const inverse = Boolean((attrs as { inverse?: boolean }).inverse);
    const c = x.shape[3];
    const pixels = x.shape[0] * x.shape[1] * x.shape[2];
    const key = JSON.stringify([GDN_GRAD_KERNEL, x.shape, inverse]);
    const build = (): GraphBuilder => {
      const g = new GraphBuilder();
      const [xi, bi, gi, dyi] = [g.input(x.shape), g.input(beta.shape), g.input(gamma.shape), g.input(dy.shape)];
      const { sq, n } = norm(g, xi, bi, gi);
      const root = g.node('Sqrt', [n]);
      let f: string;
      let fPrime: string; // f'(n)
      if (inverse) {
        f = root;
        fPrime = g.node('Div', [g.constFloat([0.5], []), root]);
      } else {
        f = g.node('Reciprocal', [root]);
        fPrime = g.node('Mul', [g.constFloat([-0.5], []), g.node('Mul', [f, g.node('Mul', [f, f])])]);
      }
      const dn = g.node('Mul', [g.node('Mul', [dyi, xi]), fPrime]);
      const back = g.node('MatMul', [dn, gi]);
      const dx = g.node('Add', [g.node('Mul', [dyi, f]), g.node('Mul', [g.node('Mul', [xi, back]), g.constFloat([2], [])])]);
      const dbeta = g.node('ReduceSum', [dn, g.constInt64([0, 1, 2])], { keepdims: 0 });
      const flat = g.constInt64([pixels, c]);
      const dgamma = g.node('Gemm', [g.node('Reshape', [dn, flat]), g.node('Reshape', [sq, flat])], { transA: 1, alpha: f32(1) });
      g.output(dx, x.shape);
      g.output(dbeta, [c]);
      g.output(dgamma, [c, c]);
      return g;
    };
    return run(backend as MathBackendCPU, key, build, [x, beta, gamma, dy], [x.shape, [c], [c, c]]);
  },
};
