import { tf } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import { jpegRoundTrip } from './jpeg-core.js';
import { straightThrough } from './straight-through.js';
import type { InputTransform } from './types.js';

export interface JpegDefenceOptions {
  /** IJG quality 1..100. Default 75. */
  quality: number;
  /** 4:2:0 chroma subsampling (1) or 4:4:4 (0). Default 1. */
  subsample: number;
}

export const JPEG_DEFAULTS: JpegDefenceOptions = { quality: 75, subsample: 1 };

/** JPEG re-encoding (Das et al. 2017, Guo et al. 2018) before the codec. Not differentiable: BPDA. */
export function jpegTransform(opts: Partial<JpegDefenceOptions> = {}): InputTransform {
  const { quality, subsample } = { ...JPEG_DEFAULTS, ...opts };
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new ConfigError(`defence jpeg: quality must be an integer in 1..100 (got ${quality})`);
  if (subsample !== 0 && subsample !== 1) throw new ConfigError(`defence jpeg: subsample must be 0 or 1 (got ${subsample})`);
  const reencode = (x: tf.Tensor4D): tf.Tensor4D => {
    const [b, h, w] = x.shape;
    const data = x.dataSync() as Float32Array;
    const out = new Float32Array(data.length);
    for (let i = 0; i < b; i++) {
      const n = h * w * 3;
      out.set(jpegRoundTrip(data.subarray(i * n, (i + 1) * n), h, w, { quality, subsample: subsample === 1 }), i * n);
    }
    return tf.tensor4d(out, x.shape, 'float32');
  };
  return {
    name: 'jpeg',
    options: { quality, subsample },
    random: false,
    gradient: 'bpda',
    apply: reencode,
    surrogate: (x) => straightThrough(x, reencode),
  };
}
