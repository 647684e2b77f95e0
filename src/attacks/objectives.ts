import { tf } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import type { CodecForward } from '../codec/types.js';
import type { RgbImage } from '../image/types.js';
import type { Objective } from './types.js';
import { msSsimTensor } from './ms-ssim.js';

/**
 * Attack goals (Foolbox's criterion role). Each is a scalar to MAXIMISE, computed from the
 * codec's forward output for x_adv and the ORIGINAL image; goals combine as a weighted sum.
 * Reconstructions are clamped to [0,1] first, as the honest evaluation judges them.
 */
export type GoalSpec =
  /** Distortion of the reconstruction vs the original: MSE, or PSNR (maximises -PSNR), on RGB or BT.601 luma. */
  | { goal: 'distortion'; metric?: 'mse' | 'psnr'; channel?: 'rgb' | 'y'; weight?: number }
  /** 1 - MS-SSIM(reconstruction, original). */
  | { goal: 'ms-ssim'; weight?: number }
  /** Estimated bits per pixel of all latents (y and z). */
  | { goal: 'rate'; weight?: number }
  /** Joint: bpp + λ·255²·MSE, the training loss of CompressAI's MSE models, maximised. */
  | { goal: 'rd'; lambda?: number; weight?: number }
  /** Make the reconstruction look like `target` (minimises MSE to it), optionally only where mask > 0. */
  | { goal: 'targeted'; target: RgbImage; mask?: Float32Array; weight?: number };

export type GoalName = GoalSpec['goal'];
export const GOAL_NAMES: readonly GoalName[] = ['distortion', 'ms-ssim', 'rate', 'rd', 'targeted'];

/** CompressAI's MSE λ for quality 4 (DESIGN.md §3), the default weight of distortion in 'rd'. */
export const DEFAULT_RD_LAMBDA = 0.013;

// ITU-R BT.601 luma weights (full range, as CompressAI's rgb2ycbcr).
const LUMA = [0.299, 0.587, 0.114];

/** Builds one objective from one goal or a weighted list of goals; ConfigError names the bad field. */
export function buildObjective(goals: GoalSpec | readonly GoalSpec[]): Objective {
  const list = Array.isArray(goals) ? (goals as readonly GoalSpec[]) : [goals as GoalSpec];
  if (list.length === 0) throw new ConfigError('goal: at least one goal is required');
  const parts = list.map((g, i) => ({ objective: single(g, list.length > 1 ? `goal[${i}]` : 'goal'), weight: g.weight ?? 1 }));
  parts.forEach((p, i) => {
    if (!Number.isFinite(p.weight)) throw new ConfigError(`goal[${i}].weight must be a finite number (got ${p.weight})`);
  });
  if (parts.length === 1 && parts[0]!.weight === 1) return parts[0]!.objective;
  return {
    name: parts.map((p) => `${p.weight}*${p.objective.name}`).join('+'),
    spec: parts.map((p) => ({ ...(p.objective.spec as object), weight: p.weight })),
    evaluate: (out, x, xAdv) =>
      tf.tidy(() => tf.addN(parts.map((p) => tf.mul(p.objective.evaluate(out, x, xAdv), p.weight))) as tf.Scalar),
  };
}

function single(g: GoalSpec, field: string): Objective {
  switch (g.goal) {
    case 'distortion': {
      const metric = g.metric ?? 'mse';
      const channel = g.channel ?? 'rgb';
      if (metric !== 'mse' && metric !== 'psnr') throw new ConfigError(`${field}.metric must be mse or psnr (got ${String(metric)})`);
      if (channel !== 'rgb' && channel !== 'y') throw new ConfigError(`${field}.channel must be rgb or y (got ${String(channel)})`);
      return {
        name: `distortion(${metric},${channel})`,
        spec: { goal: 'distortion', metric, channel },
        evaluate: (out, x) =>
          tf.tidy(() => {
            const m = mseOf(view(clamp01(out.xHat), channel), view(x, channel));
            // Maximising -PSNR = 10·log10(MSE); the floor keeps log finite on a perfect reconstruction.
            return metric === 'mse' ? m : tf.mul(10 / Math.LN10, tf.log(tf.add(m, 1e-10)));
          }),
      };
    }
    case 'ms-ssim':
      return {
        name: 'ms-ssim',
        spec: { goal: 'ms-ssim' },
        evaluate: (out, x) => tf.tidy(() => tf.sub(1, msSsimTensor(clamp01(out.xHat), x))),
      };
    case 'rate':
      return { name: 'rate', spec: { goal: 'rate' }, evaluate: (out, x) => bppOf(out, x) };
    case 'rd': {
      const lambda = g.lambda ?? DEFAULT_RD_LAMBDA;
      if (!Number.isFinite(lambda) || lambda < 0) throw new ConfigError(`${field}.lambda must be a number ≥ 0 (got ${lambda})`);
      return {
        name: `rd(λ=${lambda})`,
        spec: { goal: 'rd', lambda },
        evaluate: (out, x) =>
          tf.tidy(() => tf.add(bppOf(out, x), tf.mul(lambda * 255 * 255, mseOf(clamp01(out.xHat), x)))),
      };
    }
    case 'targeted':
      return targeted(g, field);
    default:
      throw new ConfigError(`${field}.goal must be one of ${GOAL_NAMES.join(', ')} (got ${String((g as { goal: unknown }).goal)})`);
  }
}

function targeted(g: Extract<GoalSpec, { goal: 'targeted' }>, field: string): Objective {
  const t = g.target;
  if (!t || !(t.data instanceof Float32Array) || t.data.length !== t.width * t.height * 3) {
    throw new ConfigError(`${field}.target must be an RGB image`);
  }
  const mask = g.mask;
  if (mask !== undefined && mask.length !== t.width * t.height) {
    throw new ConfigError(`${field}.mask must have one value per pixel (${t.width * t.height}), got ${mask.length}`);
  }
  if (mask !== undefined && !mask.some((v) => v > 0)) throw new ConfigError(`${field}.mask selects no pixel`);
  return {
    name: mask ? 'targeted(roi)' : 'targeted',
    spec: { goal: 'targeted', target: { width: t.width, height: t.height }, mask: mask !== undefined },
    evaluate: (out, x) =>
      tf.tidy(() => {
        const [, h, w] = x.shape;
        if (h !== t.height || w !== t.width) {
          throw new ConfigError(`${field}.target is ${t.width}x${t.height} but the image is ${w}x${h}`);
        }
        const target = tf.tensor4d(t.data, [1, h, w, 3]);
        const sq = tf.square(tf.sub(clamp01(out.xHat), target));
        if (!mask) return tf.neg(tf.mean(sq)) as tf.Scalar;
        const m = tf.tensor4d(mask, [1, h, w, 1]);
        return tf.neg(tf.div(tf.sum(tf.mul(sq, m)), tf.mul(tf.sum(m), 3 * x.shape[0]))) as tf.Scalar;
      }),
  };
}

function clamp01(t: tf.Tensor4D): tf.Tensor4D {
  return tf.clipByValue(t, 0, 1);
}

/** RGB as is, or the BT.601 luma channel [B,H,W,1]. */
function view(t: tf.Tensor4D, channel: 'rgb' | 'y'): tf.Tensor4D {
  return channel === 'rgb' ? t : (tf.sum(tf.mul(t, tf.tensor1d(LUMA)), 3, true) as tf.Tensor4D);
}

function mseOf(a: tf.Tensor4D, b: tf.Tensor4D): tf.Scalar {
  return tf.mean(tf.square(tf.sub(a, b)));
}

/** Estimated bits of every latent the codec reports, per pixel of the input. */
export function bppOf(out: CodecForward, x: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const bits = Object.values(out.bits);
    const total = bits.length === 0 ? tf.scalar(0) : tf.addN(bits);
    return tf.div(total, x.shape[0] * x.shape[1] * x.shape[2]) as tf.Scalar;
  });
}
