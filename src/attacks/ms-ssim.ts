import { tf } from '../engine/index.js';

/**
 * Differentiable MS-SSIM (Wang et al. 2003) as a tf op for the 'ms-ssim' goal: 11-tap Gaussian
 * window (σ 1.5), 5 scales with the paper's weights, K1 0.01, K2 0.03, peak 1, per-channel
 * values averaged. Small images (the reference needs > 160 px) shrink the window at scales
 * smaller than it and stop halving at 1 px, so tests on 64x64 crops work; on Kodak-size images
 * this is the standard definition up to odd-size pooling. Kept beside src/metrics' msSsim (used for
 * evaluation) because that one refuses images ≤ 160 px and its ReLU gives NaN gradients at 0.
 */
const WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

export function msSsimTensor(a: tf.Tensor4D, b: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    let x = a;
    let y = b;
    const factors: tf.Scalar[] = [];
    for (let s = 0; s < WEIGHTS.length; s++) {
      const { ssim, cs } = ssimParts(x, y);
      const last = s === WEIGHTS.length - 1 || Math.min(x.shape[1], x.shape[2]) < 2;
      // A small floor instead of ReLU: pow's gradient at 0 is infinite, and an attack drives similarity there.
      factors.push(tf.pow(tf.maximum(last ? ssim : cs, 1e-6), weightFor(s, last)) as tf.Scalar);
      if (last) break;
      x = tf.avgPool(x, 2, 2, 'valid');
      y = tf.avgPool(y, 2, 2, 'valid');
    }
    return factors.reduce((p, f) => tf.mul(p, f)) as tf.Scalar;
  });
}

/** When the pyramid stops early, the last scale takes the remaining weight so the exponents sum to 1. */
function weightFor(s: number, last: boolean): number {
  return last ? WEIGHTS.slice(s).reduce((p, w) => p + w, 0) : WEIGHTS[s]!;
}

function ssimParts(x: tf.Tensor4D, y: tf.Tensor4D): { ssim: tf.Scalar; cs: tf.Scalar } {
  const size = Math.min(11, oddAtMost(Math.min(x.shape[1], x.shape[2])));
  const blur = (t: tf.Tensor4D) => gaussianBlur(t, size);
  const mx = blur(x);
  const my = blur(y);
  const sxx = tf.sub(blur(tf.mul(x, x)), tf.mul(mx, mx));
  const syy = tf.sub(blur(tf.mul(y, y)), tf.mul(my, my));
  const sxy = tf.sub(blur(tf.mul(x, y)), tf.mul(mx, my));
  const csMap = tf.div(tf.add(tf.mul(2, sxy), C2), tf.add(tf.add(sxx, syy), C2));
  const lum = tf.div(tf.add(tf.mul(2, tf.mul(mx, my)), C1), tf.add(tf.add(tf.mul(mx, mx), tf.mul(my, my)), C1));
  return { ssim: tf.mean(tf.mul(lum, csMap)), cs: tf.mean(csMap) };
}

function oddAtMost(n: number): number {
  return n % 2 === 1 ? n : n - 1;
}

/** Separable Gaussian (σ 1.5), 'valid' padding, one filter per channel. */
function gaussianBlur(t: tf.Tensor4D, size: number): tf.Tensor4D {
  const c = t.shape[3];
  const g = gaussian(size);
  const row = tf.tile(tf.tensor4d(g, [1, size, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
  const col = tf.tile(tf.tensor4d(g, [size, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
  return tf.depthwiseConv2d(tf.depthwiseConv2d(t, row, 1, 'valid'), col, 1, 'valid');
}

function gaussian(size: number): Float32Array {
  const g = new Float32Array(size);
  const half = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    g[i] = Math.exp(-((i - half) ** 2) / (2 * 1.5 * 1.5));
    sum += g[i]!;
  }
  for (let i = 0; i < size; i++) g[i] = g[i]! / sum;
  return g;
}
