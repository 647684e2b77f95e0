/**
 * Lossy WebP (VP8, always 4:2:0) through sharp with its defaults (effort 4, no smart
 * subsampling). Bytes counted: the whole RIFF/WebP file.
 */
import type { Codec } from '../codec/types.js';
import type { RgbImage } from '../image/types.js';
import type { ClassicalCodecDef } from './definition.js';
import { decodeWithSharp, encodeWithSharp, sharpFromImage } from './sharp-io.js';
import { badOption, badPrefix, checkImage, commonQuality, nativeInRange, type ParsedSpec } from './spec.js';

export class WebpCodec implements Codec {
  readonly kind = 'classical' as const;
  readonly id: string;

  constructor(readonly quality: number) {
    this.id = `webp@q${quality}`;
  }

  async compress(x: RgbImage): Promise<Uint8Array> {
    checkImage('webp', x);
    return encodeWithSharp('webp', sharpFromImage(x).webp({ quality: this.quality, lossless: false }));
  }

  decompress(bytes: Uint8Array): Promise<RgbImage> {
    return decodeWithSharp(bytes, 'webp', 'webp');
  }
}

export const webpDef: ClassicalCodecDef = {
  name: 'webp',
  aliases: [],
  tools: [],
  description: 'WebP lossy (sharp/libwebp, 4:2:0, effort 4); native q 1..100 = common scale (0 → 1)',
  defaultSweep: [5, 15, 30, 45, 60, 75, 85, 95].map((q) => `webp@q${q}`),
  native: { prefix: 'q', min: 1, max: 100, integer: true, increasing: true },
  create(spec: ParsedSpec): Codec {
    const p = spec.param ?? { prefix: '', value: 75 };
    let quality: number;
    if (p.prefix === '') quality = Math.max(1, Math.round(commonQuality('webp', p.value)));
    else if (p.prefix === 'q') quality = nativeInRange('webp', 'quality', p.value, 1, 100);
    else badPrefix('webp', p.prefix, 'q1..q100');
    for (const o of spec.options) badOption('webp', o, 'none');
    return new WebpCodec(quality);
  },
};
