import { tf } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import type { Rng } from './rng.js';
import type { Budget } from './types.js';

/**
 * A perturbation ball (Foolbox's distance role): projection onto it, a random start inside it
 * and the steepest-ascent direction for a gradient. Norms are per batch item over H, W, C.
 */
export interface Distance {
  readonly norm: 'linf' | 'l2';
  /** Radius in [0,1] units. */
  readonly eps: number;
  /** δ → the closest point of the ball. */
  project(delta: tf.Tensor4D): tf.Tensor4D;
  /** A uniformly random point of the ball. */
  randomStart(shape: [number, number, number, number], rng: Rng): tf.Tensor4D;
  /** The unit step maximising <g, step> under this norm (sign for L∞, g/||g||₂ for L2). */
  normalize(grad: tf.Tensor4D): tf.Tensor4D;
}

const AXES = [1, 2, 3];
const TINY = 1e-12;

/** Validates a budget (ConfigError naming the field) and returns its ball for an image of `numel` values. */
export function distanceFor(budget: Budget, numel: number): Distance {
  switch (budget.norm) {
    case 'linf':
      checkEps(budget.eps, 'budget.eps', 1);
      return linf(budget.eps);
    case 'l2':
      checkEps(budget.eps, 'budget.eps', Math.sqrt(numel));
      return l2(budget.eps);
    case 'psnr':
      if (!Number.isFinite(budget.minPsnr) || budget.minPsnr <= 0) {
        throw new ConfigError(`budget.minPsnr must be a positive number of dB (got ${budget.minPsnr})`);
      }
      return l2(psnrFloorToL2(budget.minPsnr, numel));
    default:
      throw new ConfigError(`budget.norm must be linf, l2 or psnr (got ${String((budget as { norm: unknown }).norm)})`);
  }
}

/** PSNR(x+δ, x) ≥ p  ⇔  MSE ≤ 10^(-p/10)  ⇔  ||δ||₂ ≤ sqrt(n · 10^(-p/10)) (peak 1). */
export function psnrFloorToL2(minPsnr: number, numel: number): number {
  return Math.sqrt(numel * Math.pow(10, -minPsnr / 10));
}

function checkEps(eps: number, field: string, max: number): void {
  if (!Number.isFinite(eps) || eps <= 0 || eps > max) {
    throw new ConfigError(`${field} must be a number in (0, ${max.toPrecision(4)}] (got ${eps})`);
  }
}

export function linf(eps: number): Distance {
  return {
    norm: 'linf',
    eps,
    project: (d) => tf.tidy(() => tf.clipByValue(d, -eps, eps)),
    randomStart: (shape, rng) => rng.uniformTensor(shape, -eps, eps) as tf.Tensor4D,
    normalize: (g) => tf.tidy(() => tf.sign(g)),
  };
}

export function l2(eps: number): Distance {
  return {
    norm: 'l2',
    eps,
    project: (d) =>
      tf.tidy(() => {
        const n = tf.sqrt(tf.sum(tf.square(d), AXES, true));
        return tf.mul(d, tf.minimum(1, tf.div(eps, tf.maximum(n, TINY))));
      }),
    randomStart: (shape, rng) =>
      tf.tidy(() => {
        // Direction uniform on the sphere, radius eps·u^(1/n): uniform in the ball.
        const g = rng.normalTensor(shape) as tf.Tensor4D;
        const numel = shape[1] * shape[2] * shape[3];
        const radius = eps * Math.pow(rng.next(), 1 / numel);
        const n = tf.sqrt(tf.sum(tf.square(g), AXES, true));
        return tf.mul(g, tf.div(radius, tf.maximum(n, TINY)));
      }),
    normalize: (g) =>
      tf.tidy(() => tf.div(g, tf.maximum(tf.sqrt(tf.sum(tf.square(g), AXES, true)), TINY))),
  };
}
