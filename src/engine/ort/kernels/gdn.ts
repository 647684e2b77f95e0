import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { f32Values } from '../backend.js';
import { GraphBuilder, f32 } from '../onnx.js';
import { runGraph } from '../runtime.js';
import { BACKEND } from './util.js';

/**
 * Kernel names of the fused GDN (ORT backend only; see ops/gdn.ts). The forward optionally
 * also returns the factor f = n^∓½ (n = β + γ·x²), which the backward kernels take instead of
 * recomputing n (the C×C matmul); each input's gradient is its own kernel, so an input
 * gradient alone (an attack) skips the parameter gradients.
 */
export const GDN_KERNEL = 'AdvlicGdn';
export const GDN_DX_KERNEL = 'AdvlicGdnDx';
export const GDN_DBETA_KERNEL = 'AdvlicGdnDbeta';
export const GDN_DGAMMA_KERNEL = 'AdvlicGdnDgamma';

export interface GdnAttrs {
  inverse: boolean;
  /** Also output the factor f (for the backward). */
  saveFactor: boolean;
}

function run(backend: MathBackendCPU, key: string, build: () => GraphBuilder, ins: TensorInfo[], shapes: number[][]): TensorInfo[] {
  const feeds = ins.map((t) => ({ data: f32Values(backend, t.dataId), shape: t.shape }));
  const outs = runGraph(key, build, feeds, shapes);
  return outs.map((o, i) => backend.makeTensorInfo(shapes[i]!, 'float32', o));
}

const attrsOf = (attrs: unknown): GdnAttrs => {
  const a = (attrs ?? {}) as Partial<GdnAttrs>;
  return { inverse: Boolean(a.inverse), saveFactor: Boolean(a.saveFactor) };
};

export const gdnConfig: KernelConfig = {
  kernelName: GDN_KERNEL,
  backendName: BACKEND,
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, beta, gamma } = inputs as unknown as { x: TensorInfo; beta: TensorInfo; gamma: TensorInfo };
    const { inverse, saveFactor } = attrsOf(attrs);
    const key = JSON.stringify([GDN_KERNEL, x.shape, inverse, saveFactor]);
    const build = (): GraphBuilder => {
      const g = new GraphBuilder();
      const [xi, bi, gi] = [g.input(x.shape), g.input(beta.shape), g.input(gamma.shape)];
      // n = β + x²·γᵀ over the channel axis (MatMul broadcasts the leading NHW dims).
      const n = g.node('Add', [g.node('MatMul', [g.node('Mul', [xi, xi]), g.node('Transpose', [gi], { perm: [1, 0] })]), bi]);
      const factor = inverse ? g.node('Sqrt', [n]) : g.node('Reciprocal', [g.node('Sqrt', [n])]);
      g.output(g.node('Mul', [xi, factor]), x.shape);
      if (saveFactor) g.output(factor, x.shape);
      return g;
    };
    const shapes = saveFactor ? [x.shape, x.shape] : [x.shape];
    const outs = run(backend as MathBackendCPU, key, build, [x, beta, gamma], shapes);
    return saveFactor ? outs : outs[0]!;
  },
};

/** dn = ∂L/∂n = dy·x·f'(n), with f' = −½f³ (GDN, f = n^-½) or ½/f (IGDN, f = n^½). */
function dn(g: GraphBuilder, x: string, f: string, dy: string, inverse: boolean): string {
  const u = g.node('Mul', [dy, x]);
  return inverse
    ? g.node('Div', [g.node('Mul', [u, g.constFloat([0.5], [])]), f])
    : g.node('Mul', [g.node('Mul', [u, g.constFloat([-0.5], [])]), g.node('Mul', [f, g.node('Mul', [f, f])])]);
}

interface GradInputs { x: TensorInfo; f: TensorInfo; dy: TensorInfo; gamma?: TensorInfo }

function gradKernel(
  name: string,
  outShape: (x: TensorInfo) => number[],
  body: (g: GraphBuilder, x: string, f: string, dy: string, gamma: string | undefined, inverse: boolean, xs: TensorInfo) => string,
): KernelConfig {
  return {
    kernelName: name,
    backendName: BACKEND,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, f, dy, gamma } = inputs as unknown as GradInputs;
      const { inverse } = attrsOf(attrs);
      const shape = outShape(x);
      const key = JSON.stringify([name, x.shape, inverse]);
      const build = (): GraphBuilder => {
        const g = new GraphBuilder();
        const [xi, fi, dyi] = [g.input(x.shape), g.input(f.shape), g.input(dy.shape)];
        const gi = gamma ? g.input(gamma.shape) : undefined;
        g.output(body(g, xi, fi, dyi, gi, inverse, x), shape);
        return g;
      };
      const ins = gamma ? [x, f, dy, gamma] : [x, f, dy];
      return run(backend as MathBackendCPU, key, build, ins, [shape])[0]!;
    },
  };
}

/** dx = dy·f + 2x·(dn·γ)  (γ is [Cout, Cin]: n_i = β_i + Σ_j γ_ij x_j²). */
export const gdnDxConfig = gradKernel(GDN_DX_KERNEL, (x) => x.shape, (g, x, f, dy, gamma, inverse) => {
  const back = g.node('MatMul', [dn(g, x, f, dy, inverse), gamma!]);
  return g.node('Add', [g.node('Mul', [dy, f]), g.node('Mul', [g.node('Mul', [x, back]), g.constFloat([2], [])])]);
});

/** dβ = Σ_pixels dn. */
export const gdnDbetaConfig = gradKernel(GDN_DBETA_KERNEL, (x) => [x.shape[3]!], (g, x, f, dy, _gamma, inverse, xs) =>
  g.node('ReduceSum', [dn(g, x, f, dy, inverse), g.constInt64(xs.shape.slice(0, 3).map((_, i) => i))], { keepdims: 0 }),
);

/** dγ = dnᵀ·x² over all pixels: [Cout, Cin]. */
export const gdnDgammaConfig = gradKernel(GDN_DGAMMA_KERNEL, (x) => [x.shape[3]!, x.shape[3]!], (g, x, f, dy, _gamma, inverse, xs) => {
  const c = xs.shape[3]!;
  const flat = g.constInt64([xs.shape.reduce((a, b) => a * b, 1) / c, c]);
  const d = g.node('Reshape', [dn(g, x, f, dy, inverse), flat]);
  return g.node('Gemm', [d, g.node('Reshape', [g.node('Mul', [x, x]), flat])], { transA: 1, alpha: f32(1) });
});
