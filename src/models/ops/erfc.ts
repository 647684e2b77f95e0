import { tf } from '../../engine/index.js';
import { customUnary } from './custom-unary.js';
import { ERFC_COEFFS } from '../../engine/ort/kernels/gaussian.js';

// Chebyshev-fitted erfc (Numerical Recipes' erfcc): erfc(z) = t·exp(-z² + P(t)),
// t = 1/(1 + z/2), fractional error < 1.2e-7 for z >= 0. Evaluated in the exponent, it keeps
// full relative precision in the far tail where 1 - erf(x) would round to 0 in float32. The
// coefficients live with the engine's fused Gaussian-likelihood kernel, which evaluates the same.
const COEFFS = ERFC_COEFFS;

/** erfc for non-negative z, float64 scalar (used to build CDF tables). */
function erfcNonNegative(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  let p = COEFFS[COEFFS.length - 1]!;
  for (let i = COEFFS.length - 2; i >= 0; i--) p = COEFFS[i]! + t * p;
  return t * Math.exp(-z * z + p);
}

/** Scalar erfc; erfc(-x) = 2 - erfc(x). */
export function erfcScalar(x: number): number {
  return x >= 0 ? erfcNonNegative(x) : 2 - erfcNonNegative(-x);
}

function erfcForward(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = tf.abs(x);
    const t = tf.div(1, tf.add(1, tf.mul(0.5, z)));
    let p: tf.Tensor = tf.scalar(COEFFS[COEFFS.length - 1]!);
    for (let i = COEFFS.length - 2; i >= 0; i--) p = tf.add(COEFFS[i]!, tf.mul(t, p));
    const pos = tf.mul(t, tf.exp(tf.sub(p, tf.square(z))));
    return tf.where(tf.greaterEqual(x, 0), pos, tf.sub(2, pos));
  });
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Elementwise erfc with the exact derivative -2/√π·exp(-x²). */
export const erfc = customUnary(erfcForward, (dy, x) =>
  tf.mul(dy, tf.mul(-TWO_OVER_SQRT_PI, tf.exp(tf.neg(tf.square(x))))),
);
