import { tf } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import { straightThrough } from './straight-through.js';
import type { InputTransform } from './types.js';

export interface BitDepthOptions {
  /** Bits per channel kept (1..7). Default 4. */
  bits: number;
}

export const BIT_DEPTH_DEFAULTS: BitDepthOptions = { bits: 4 };

/** Feature squeezing (Xu et al. 2018): rounds each channel to 2^bits levels. Zero gradient: BPDA. */
export function bitDepthTransform(opts: Partial<BitDepthOptions> = {}): InputTransform {
  const { bits } = { ...BIT_DEPTH_DEFAULTS, ...opts };
  if (!Number.isInteger(bits) || bits < 1 || bits > 7) throw new ConfigError(`defence bitdepth: bits must be an integer in 1..7 (got ${bits})`);
  const levels = 2 ** bits - 1;
  const reduce = (x: tf.Tensor4D): tf.Tensor4D => tf.tidy(() => tf.div(tf.round(tf.mul(x, levels)), levels));
  return {
    name: 'bitdepth',
    options: { bits },
    random: false,
    gradient: 'bpda',
    apply: reduce,
    surrogate: (x) => straightThrough(x, reduce),
  };
}
