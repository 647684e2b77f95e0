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
      // n = β + x²·γᵀ over the channel axis: one Gemm on [pixels, C] with β as its bias.
      const c = x.shape[3]!;
      const flat = g.node('Reshape', [g.node('Mul', [xi, xi]), g.constInt64([x.shape.reduce((a, b) => a * b, 1) / c, c])]);
      const n = g.node('Reshape', [g.node('Gemm', [flat, gi, bi], { transB: 1 }), g.constInt64(x.shape)]);
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

/**
 * dn = ∂L/∂n = dy·x·f'(n) as scale · raw, the constant folded into what consumes it (one
 * full-resolution pass fewer): f' = −½f³ (GDN, f = n^-½) or ½/f (IGDN, f = n^½).
 */
function dn(g: GraphBuilder, x: string, f: string, dy: string, inverse: boolean): { raw: string; scale: number } {
  if (inverse) return { raw: g.node('Div', [g.node('Mul', [dy, x]), f]), scale: 0.5 };
  return { raw: g.node('Mul', [g.node('Mul', [g.node('Mul', [dy, f]), x]), g.node('Mul', [f, f])]), scale: -0.5 };
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

/** dx = dy·f + 2x·(dn·γ)  (γ is [Cout, Cin]: n_i = β_i + Σ_j γ_ij x_j²); 2·scale goes into γ. */
export const gdnDxConfig = gradKernel(GDN_DX_KERNEL, (x) => x.shape, (g, x, f, dy, gamma, inverse) => {
  const d = dn(g, x, f, dy, inverse);
  const back = g.node('MatMul', [d.raw, g.node('Mul', [gamma!, g.constFloat([2 * d.scale], [])])]);
  return g.node('Add', [g.node('Mul', [dy, f]), g.node('Mul', [x, back])]);
});

/** dβ = Σ_pixels dn. */
export const gdnDbetaConfig = gradKernel(GDN_DBETA_KERNEL, (x) => [x.shape[3]!], (g, x, f, dy, _gamma, inverse, xs) => {
  const d = dn(g, x, f, dy, inverse);
  const sum = g.node('ReduceSum', [d.raw, g.constInt64(xs.shape.slice(0, 3).map((_, i) => i))], { keepdims: 0 });
  return g.node('Mul', [sum, g.constFloat([d.scale], [])]);
});

/** dγ = dnᵀ·x² over all pixels: [Cout, Cin]. */
export const gdnDgammaConfig = gradKernel(GDN_DGAMMA_KERNEL, (x) => [x.shape[3]!, x.shape[3]!], (g, x, f, dy, _gamma, inverse, xs) => {
  const c = xs.shape[3]!;
  const flat = g.constInt64([xs.shape.reduce((a, b) => a * b, 1) / c, c]);
  const d = dn(g, x, f, dy, inverse);
  return g.node('Gemm', [g.node('Reshape', [d.raw, flat]), g.node('Reshape', [g.node('Mul', [x, x]), flat])], { transA: 1, alpha: f32(d.scale) });
});
