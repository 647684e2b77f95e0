/**
 * AVIF through sharp (libheif + libaom), 8-bit. Effort 3 by default (0 fastest .. 9 slowest;
 * `:e0`..`:e9`): sharp's default 4 took ~6 s per Kodak image on this 2-core machine, effort 3
 * ~0.9 s for ~0.25 dB less at the same rate. Chroma 4:4:4 by default (sharp's default),
 * `:420` to subsample. Bytes counted: the whole HEIF/AVIF file (its ~300-byte container
 * boxes included, as a user would store it).
 */
import type { Codec } from '../codec/types.js';
import type { RgbImage } from '../image/types.js';
import type { ClassicalCodecDef } from './definition.js';
import { decodeWithSharp, encodeWithSharp, sharpFromImage } from './sharp-io.js';
import { badOption, badPrefix, checkImage, commonQuality, nativeInRange, type ParsedSpec } from './spec.js';

export interface AvifOptions {
  /** sharp's AVIF quality 1..100. */
  quality: number;
  effort: number;
  chroma: '420' | '444';
}

export const AVIF_DEFAULT_EFFORT = 3;

export class AvifCodec implements Codec {
  readonly kind = 'classical' as const;
  readonly id: string;

  constructor(readonly options: AvifOptions) {
    this.id = `avif@q${options.quality}:${options.chroma}:e${options.effort}`;
  }

  async compress(x: RgbImage): Promise<Uint8Array> {
    checkImage('avif', x);
    const { quality, effort, chroma } = this.options;
    return encodeWithSharp(
      'avif',
      sharpFromImage(x).avif({ quality, effort, chromaSubsampling: chroma === '444' ? '4:4:4' : '4:2:0', lossless: false, bitdepth: 8 }),
    );
  }

  decompress(bytes: Uint8Array): Promise<RgbImage> {
    return decodeWithSharp(bytes, 'avif', 'heif', 'av1');
  }
}

export const avifDef: ClassicalCodecDef = {
  name: 'avif',
  aliases: [],
  tools: [],
  description: `AVIF (sharp/libheif/aom, 8-bit, effort ${AVIF_DEFAULT_EFFORT}); native q 1..100 = common scale; :444 (default) | :420, :e0..:e9`,
  defaultSweep: [10, 20, 30, 40, 50, 60, 70, 80, 90].map((q) => `avif@q${q}`),
  native: { prefix: 'q', min: 1, max: 100, integer: true, increasing: true },
  create(spec: ParsedSpec): Codec {
    const p = spec.param ?? { prefix: '', value: 50 };
    let quality: number;
    if (p.prefix === '') quality = Math.max(1, Math.round(commonQuality('avif', p.value)));
    else if (p.prefix === 'q') quality = nativeInRange('avif', 'quality', p.value, 1, 100);
    else badPrefix('avif', p.prefix, 'q1..q100');
    const opts: AvifOptions = { quality, effort: AVIF_DEFAULT_EFFORT, chroma: '444' };
    for (const o of spec.options) {
      if (o === '420' || o === '444') opts.chroma = o;
      else if (/^e\d$/.test(o)) opts.effort = Number(o.slice(1));
      else badOption('avif', o, ':444, :420, :e0..:e9');
    }
    return new AvifCodec(opts);
  },
};
