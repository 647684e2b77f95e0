import { tf } from '../src/engine/index.js';
// As the model layers: conv + bias as one kernel (one ORT graph on the 'ort' engine).
import { conv2dBias, conv2dTransposeBias } from '../src/engine/ops/conv.js';
import { gdn as fusedGdn } from '../src/engine/ops/gdn.js';
import { boundedGaussianLikelihood } from '../src/models/ops/gaussian-likelihood.js';

/**
 * A scale-hyperprior-shaped stack (Ballé 2018: N, M channels, 5x5 stride-2 convs with GDN in
 * g_a, IGDN and transposed convs in g_s) with random weights, for timing attack steps.
 */
export type GdnFn = (x: tf.Tensor4D, beta: tf.Tensor1D, gamma: tf.Tensor2D, inverse: boolean) => tf.Tensor4D;

interface Conv { w: tf.Tensor4D; b: tf.Tensor1D; transposed: boolean; stride: number }
interface Gdn { beta: tf.Tensor1D; gamma: tf.Tensor2D; inverse: boolean }
type Layer = { conv: Conv } | { gdn: Gdn } | { relu: true };

let seed = 1;
function conv(cin: number, cout: number, k: number, stride: number, transposed = false): Layer {
  const scale = 1 / Math.sqrt(cin * k * k);
  const shape: [number, number, number, number] = transposed ? [k, k, cout, cin] : [k, k, cin, cout];
  return {
    conv: {
      w: tf.randomUniform(shape, -scale, scale, 'float32', seed++) as tf.Tensor4D,
      b: tf.randomUniform([cout], -0.01, 0.01, 'float32', seed++) as tf.Tensor1D,
      transposed,
      stride,
    },
  };
}
function gdn(c: number, inverse = false): Layer {
  const gamma = tf.add(tf.mul(tf.eye(c), 0.1), tf.randomUniform([c, c], 0, 0.001, 'float32', seed++)) as tf.Tensor2D;
  return { gdn: { beta: tf.ones([c]) as tf.Tensor1D, gamma, inverse } };
}
const relu: Layer = { relu: true };

export interface Stack { gA: Layer[]; hA: Layer[]; hS: Layer[]; gS: Layer[] }

export function makeStack(N = 128, M = 192): Stack {
  return {
    gA: [conv(3, N, 5, 2), gdn(N), conv(N, N, 5, 2), gdn(N), conv(N, N, 5, 2), gdn(N), conv(N, M, 5, 2)],
    hA: [conv(M, N, 3, 1), relu, conv(N, N, 5, 2), relu, conv(N, N, 5, 2)],
    hS: [conv(N, N, 5, 2, true), relu, conv(N, N, 5, 2, true), relu, conv(N, M, 3, 1), relu],
    gS: [conv(M, N, 5, 2, true), gdn(N, true), conv(N, N, 5, 2, true), gdn(N, true), conv(N, N, 5, 2, true), gdn(N, true), conv(N, 3, 5, 2, true)],
  };
}

function apply(layers: Layer[], x: tf.Tensor4D, gdnFn: GdnFn): tf.Tensor4D {
  for (const l of layers) {
    if ('relu' in l) x = tf.relu(x);
    else if ('gdn' in l) x = gdnFn(x, l.gdn.beta, l.gdn.gamma, l.gdn.inverse);
    else if (l.conv.transposed) {
      const [b, h, w] = x.shape;
      const out: [number, number, number, number] = [b, h * l.conv.stride, w * l.conv.stride, l.conv.w.shape[2]];
      x = conv2dTransposeBias(x, l.conv.w, out, l.conv.stride, 'same', l.conv.b);
    } else {
      x = conv2dBias(x, l.conv.w, l.conv.b, l.conv.stride, 'same');
    }
  }
  return x;
}

/** Bits of y under N(0, σ) with unit-width bins, as the models' Gaussian conditional computes them. */
function gaussianBits(y: tf.Tensor, sigma: tf.Tensor): tf.Scalar {
  const like = boundedGaussianLikelihood(y, sigma, undefined, Math.fround(0.11), Math.fround(1e-9));
  return tf.div(tf.sum(tf.log(like)), -Math.LN2) as tf.Scalar;
}

/** Attack objective: distortion of the reconstruction plus λ·bits of y. */
export function attackLoss(stack: Stack, x: tf.Tensor4D, gdnFn: GdnFn): tf.Scalar {
  const y = apply(stack.gA, x, gdnFn);
  const z = apply(stack.hA, tf.abs(y) as tf.Tensor4D, gdnFn);
  // Training-style quantization proxy (additive uniform noise) so that gradients flow.
  const sigma = apply(stack.hS, tf.add(z, tf.randomUniform(z.shape, -0.5, 0.5, 'float32', 7)) as tf.Tensor4D, gdnFn);
  const yHat = tf.add(y, tf.randomUniform(y.shape, -0.5, 0.5, 'float32', 8)) as tf.Tensor4D;
  const xHat = apply(stack.gS, yHat, gdnFn);
  const mse = tf.mean(tf.squaredDifference(xHat, x));
  return tf.add(mse, tf.mul(1e-6, gaussianBits(yHat, sigma))) as tf.Scalar;
}

/**
 * The attack step, ready to time: a fresh stack and a random image (512x768 unless
 * given), and `step()`, one forward + input gradient of attackLoss, its tensors disposed.
 */
export function attackStep(opts: { h?: number; w?: number; gdnFn?: GdnFn } = {}): { step: () => void; dispose: () => void } {
  const stack = makeStack();
  const x = tf.randomUniform([1, opts.h ?? 512, opts.w ?? 768, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
  const grad = tf.grad((t: tf.Tensor) => attackLoss(stack, t as tf.Tensor4D, opts.gdnFn ?? fusedGdn));
  return { step: () => tf.tidy(() => grad(x)).dispose(), dispose: () => x.dispose() };
}
