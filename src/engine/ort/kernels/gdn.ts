import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { f32Values, type OrtBackend } from '../backend.js';
import { GraphBuilder, f32 } from '../onnx.js';
import { runRowChunks, type ChunkInput, type ChunkOutput } from '../chunks.js';
import { BACKEND, size } from './util.js';

/**
 * Kernel names of the fused GDN (ORT backend only; see ops/gdn.ts). The forward optionally
 * also computes the factor f = n^∓½ (n = β + γ·x²), which the backward kernels take instead of
 * recomputing n (the C×C matmul): attached to the output's data (OrtBackend.attachData), not
 * a second output, which TF.js's backprop would hand a zero-filled dy of its size (132 MB of
 * fresh zeros per attack step). Each input's gradient is its own kernel, so an input gradient
 * alone (an attack) skips the parameter gradients.
 */
export const GDN_KERNEL = 'AdvlicGdn';
export const GDN_DX_KERNEL = 'AdvlicGdnDx';
export const GDN_DBETA_KERNEL = 'AdvlicGdnDbeta';
export const GDN_DGAMMA_KERNEL = 'AdvlicGdnDgamma';

export interface GdnAttrs {
  inverse: boolean;
  /** Also compute the factor f for the backward, attached to the output's data. */
  saveFactor: boolean;
}

/** Values of t as float32, and its [rows, C] geometry (C = the last axis). */
const rowsOf = (backend: MathBackendCPU, t: TensorInfo): { data: Float32Array; width: number } => ({
  data: f32Values(backend, t.dataId),
  width: t.shape[t.shape.length - 1]!,
});

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
    const b = backend as MathBackendCPU;
    const c = x.shape[3]!;
    const build = (p: number): GraphBuilder => {
      const g = new GraphBuilder();
      const [xi, bi, gi] = [g.input([p, c]), g.input([c]), g.input([c, c])];
      // n = β + x²·γᵀ over the channel axis: one Gemm with β as its bias.
      const n = g.node('Gemm', [g.node('Mul', [xi, xi]), gi, bi], { transB: 1 });
      const root = g.node('Sqrt', [n]);
      if (!saveFactor) {
        g.output(g.node(inverse ? 'Mul' : 'Div', [xi, root]), [p, c]);
        return g;
      }
      const factor = inverse ? root : g.node('Reciprocal', [root]);
      g.output(g.node('Mul', [xi, factor]), [p, c]);
      g.output(factor, [p, c]);
      return g;
    };
    const key = JSON.stringify([GDN_KERNEL, c, inverse, saveFactor]);
    const xs = rowsOf(b, x);
    const ins = [xs, { data: f32Values(b, beta.dataId), shape: [c] }, { data: f32Values(b, gamma.dataId), shape: [c, c] }];
    const outs = runRowChunks(key, xs.data.length / c, build, ins, saveFactor ? [{ width: c }, { width: c }] : [{ width: c }]);
    const y = b.makeTensorInfo(x.shape, 'float32', outs[0]!);
    if (saveFactor) (b as OrtBackend).attachData(y.dataId, outs[1]!);
    return y;
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

/** y: the forward's output, whose data carries the factor f (attachData). */
interface GradInputs { x: TensorInfo; y: TensorInfo; dy: TensorInfo; gamma?: TensorInfo }

/** A gradient kernel whose graph `body` runs on [p, C] row chunks of x, f and dy. */
function gradKernel(
  name: string,
  out: (c: number) => ChunkOutput,
  body: (g: GraphBuilder, x: string, f: string, dy: string, gamma: string | undefined, inverse: boolean, p: number) => string,
): KernelConfig {
  return {
    kernelName: name,
    backendName: BACKEND,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, y, dy, gamma } = inputs as unknown as GradInputs;
      const { inverse } = attrsOf(attrs);
      const b = backend as MathBackendCPU;
      const f = (b as OrtBackend).attachedData(y.dataId);
      if (!f) throw new Error(`${name}: the GDN output carries no saved factor (forward run without a tape?)`);
      const c = x.shape[3]!;
      const o = out(c);
      const build = (p: number): GraphBuilder => {
        const g = new GraphBuilder();
        const [xi, fi, dyi] = [g.input([p, c]), g.input([p, c]), g.input([p, c])];
        const gi = gamma ? g.input([c, c]) : undefined;
        g.output(body(g, xi, fi, dyi, gi, inverse, p), 'width' in o ? [p, c] : o.sumShape);
        return g;
      };
      const ins: ChunkInput[] = [rowsOf(b, x), { data: f, width: c }, rowsOf(b, dy)];
      if (gamma) ins.push({ data: f32Values(b, gamma.dataId), shape: [c, c] });
      const [res] = runRowChunks(JSON.stringify([name, c, inverse]), size(x.shape) / c, build, ins, [o]);
      return b.makeTensorInfo('width' in o ? x.shape : [...o.sumShape], 'float32', res!);
    },
  };
}

/** dx = dy·f + 2x·(dn·γ)  (γ is [Cout, Cin]: n_i = β_i + Σ_j γ_ij x_j²); 2·scale goes into γ. */
export const gdnDxConfig = gradKernel(GDN_DX_KERNEL, (c) => ({ width: c }), (g, x, f, dy, gamma, inverse) => {
  const d = dn(g, x, f, dy, inverse);
  const back = g.node('MatMul', [d.raw, g.node('Mul', [gamma!, g.constFloat([2 * d.scale], [])])]);
  return g.node('Add', [g.node('Mul', [dy, f]), g.node('Mul', [x, back])]);
});

/** dβ = Σ_pixels dn. */
export const gdnDbetaConfig = gradKernel(GDN_DBETA_KERNEL, (c) => ({ sumShape: [c] }), (g, x, f, dy, _gamma, inverse) => {
  const d = dn(g, x, f, dy, inverse);
  const sum = g.node('ReduceSum', [d.raw, g.constInt64([0])], { keepdims: 0 });
  return g.node('Mul', [sum, g.constFloat([d.scale], [])]);
});

/** dγ = dnᵀ·x² over all pixels: [Cout, Cin]. */
export const gdnDgammaConfig = gradKernel(GDN_DGAMMA_KERNEL, (c) => ({ sumShape: [c, c] }), (g, x, f, dy, _gamma, inverse) => {
  const d = dn(g, x, f, dy, inverse);
  return g.node('Gemm', [d.raw, g.node('Mul', [x, x])], { transA: 1, alpha: f32(d.scale) });
});
