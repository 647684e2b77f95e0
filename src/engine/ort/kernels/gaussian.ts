import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { GraphBuilder } from '../onnx.js';
import { runToTensor, BACKEND } from './util.js';

/**
 * The Gaussian conditional's likelihood as one ORT graph each way (see ops/gaussian.ts):
 * lik = Φ((½ − |v − m|)/s̃) − Φ((−½ − |v − m|)/s̃), s̃ = max(s, scaleBound), then optionally
 * max(lik, likelihoodBound); Φ(u) = ½·erfc(−u/√2) with the Chebyshev erfc below.
 */
export const GAUSSIAN_KERNEL = 'AdvlicGaussianLikelihood';
export const GAUSSIAN_DV_KERNEL = 'AdvlicGaussianLikelihoodDv';
export const GAUSSIAN_DS_KERNEL = 'AdvlicGaussianLikelihoodDs';

/**
 * Numerical Recipes' erfcc: erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2) for z ≥ 0, fractional
 * error < 1.2e-7, full relative precision in the far tail (1 − erf would round to 0 in float32).
 */
export const ERFC_COEFFS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
] as const;

export interface GaussianAttrs {
  scaleBound: number;
  /** Lower bound of the likelihood (with CompressAI's LowerBound gradient), or none. */
  bounded: boolean;
  likelihoodBound: number;
}

const attrsOf = (a: unknown): GaussianAttrs => a as GaussianAttrs;

class Ops {
  constructor(readonly g: GraphBuilder) {}
  c(v: number): string {
    return this.g.constFloat([v], []);
  }
  n(op: string, ...ins: string[]): string {
    return this.g.node(op, ins);
  }
  /** The Chebyshev erfc, as src/models/ops/erfc.ts evaluates it with tf ops. */
  erfc(x: string): string {
    const z = this.n('Abs', x);
    const t = this.n('Reciprocal', this.n('Add', this.c(1), this.n('Mul', this.c(0.5), z)));
    let p = this.c(ERFC_COEFFS[ERFC_COEFFS.length - 1]!);
    for (let i = ERFC_COEFFS.length - 2; i >= 0; i--) p = this.n('Add', this.c(ERFC_COEFFS[i]!), this.n('Mul', t, p));
    const pos = this.n('Mul', t, this.n('Exp', this.n('Sub', p, this.n('Mul', z, z))));
    return this.g.node('Where', [this.n('GreaterOrEqual', x, this.c(0)), pos, this.n('Sub', this.c(2), pos)]);
  }
}

const C = -Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The shared forward part: d = v − m, |d|, s̃, the standardized bin edges and lik. */
function likelihood(o: Ops, values: string, scales: string, means: string, at: GaussianAttrs) {
  const d = o.n('Sub', values, means);
  const v = o.n('Abs', d);
  const s = o.n('Max', scales, o.c(at.scaleBound));
  const zUp = o.n('Mul', o.c(C), o.n('Div', o.n('Sub', o.c(0.5), v), s));
  const zLo = o.n('Mul', o.c(C), o.n('Div', o.n('Sub', o.c(-0.5), v), s));
  const lik = o.n('Sub', o.n('Mul', o.c(0.5), o.erfc(zUp)), o.n('Mul', o.c(0.5), o.erfc(zLo)));
  return { d, v, s, zUp, zLo, lik };
}

/** ∂(½·erfc(C·t))/∂t = ½ · (−2/√π)·exp(−(Ct)²) · C, at z = C·t. */
const edgeDensity = (o: Ops, z: string): string =>
  o.n('Mul', o.c(0.5 * -TWO_OVER_SQRT_PI * C), o.n('Exp', o.n('Neg', o.n('Mul', z, z))));

/** dy through the likelihood bound: passes where lik ≥ bound or where it pushes lik up (dy < 0). */
function boundedGrad(o: Ops, lik: string, dy: string, at: GaussianAttrs): string {
  if (!at.bounded) return dy;
  const pass = o.n('Or', o.n('GreaterOrEqual', lik, o.c(at.likelihoodBound)), o.n('Less', dy, o.c(0)));
  return o.g.node('Where', [pass, dy, o.c(0)]);
}

interface Ins { values: TensorInfo; scales: TensorInfo; means: TensorInfo; dy?: TensorInfo }

function kernel(name: string, body: (o: Ops, v: string, s: string, m: string, dy: string | undefined, at: GaussianAttrs) => string): KernelConfig {
  return {
    kernelName: name,
    backendName: BACKEND,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { values, scales, means, dy } = inputs as unknown as Ins;
      const at = attrsOf(attrs);
      const key = JSON.stringify([name, values.shape, scales.shape, means.shape, at.scaleBound, at.bounded, at.likelihoodBound]);
      const build = (): GraphBuilder => {
        const g = new GraphBuilder();
        const o = new Ops(g);
        const [v, s, m] = [g.input(values.shape), g.input(scales.shape), g.input(means.shape)];
        g.output(body(o, v, s, m, dy ? g.input(dy.shape) : undefined, at), values.shape);
        return g;
      };
      const ins = dy ? [values, scales, means, dy] : [values, scales, means];
      return runToTensor(backend as MathBackendCPU, key, build, ins, [...values.shape]);
    },
  };
}

export const gaussianConfig = kernel(GAUSSIAN_KERNEL, (o, v, s, m, _dy, at) => {
  const { lik } = likelihood(o, v, s, m, at);
  return at.bounded ? o.n('Max', lik, o.c(at.likelihoodBound)) : lik;
});

/** ∂/∂values = dlik · (p(zLo) − p(zUp))/s̃ · sign(d) (sign as TF.js's Abs gradient: −1 at 0, where the rest is 0). */
export const gaussianDvConfig = kernel(GAUSSIAN_DV_KERNEL, (o, v, s, m, dy, at) => {
  const f = likelihood(o, v, s, m, at);
  const dlik = boundedGrad(o, f.lik, dy!, at);
  // ∂lik/∂|d| = (−p(zUp) + p(zLo))/s̃ with p the edge density (∂(½erfc(C·t))/∂t).
  const dv = o.n('Div', o.n('Sub', edgeDensity(o, f.zLo), edgeDensity(o, f.zUp)), f.s);
  const sign = o.g.node('Where', [o.n('Greater', f.d, o.c(0)), o.c(1), o.c(-1)]);
  return o.n('Mul', o.n('Mul', dlik, dv), sign);
});

/** ∂/∂scales: −(tUp·p(zUp) − tLo·p(zLo))/s̃ through CompressAI's LowerBound gradient on s̃. */
export const gaussianDsConfig = kernel(GAUSSIAN_DS_KERNEL, (o, v, s, m, dy, at) => {
  const f = likelihood(o, v, s, m, at);
  const dlik = boundedGrad(o, f.lik, dy!, at);
  const tUp = o.n('Div', o.n('Sub', o.c(0.5), f.v), f.s);
  const tLo = o.n('Div', o.n('Sub', o.c(-0.5), f.v), f.s);
  const dsBounded = o.n('Mul', dlik, o.n('Div', o.n('Neg', o.n('Sub', o.n('Mul', tUp, edgeDensity(o, f.zUp)), o.n('Mul', tLo, edgeDensity(o, f.zLo)))), f.s));
  const pass = o.n('Or', o.n('GreaterOrEqual', s, o.c(at.scaleBound)), o.n('Less', dsBounded, o.c(0)));
  return o.g.node('Where', [pass, dsBounded, o.c(0)]);
});
