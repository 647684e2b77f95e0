/**
 * JPEG through sharp (libvips + its bundled mozjpeg library, used with sharp's defaults: the
 * standard IJG quantisation tables, baseline, optimised Huffman tables — not mozjpeg's
 * trellis/"mozjpeg: true" mode unless the `:moz` option asks for it).
 * Chroma: 4:2:0 by default (what typical JPEGs use), `:444` for no subsampling.
 * Bytes counted: the whole JFIF file sharp writes (no EXIF/ICC: metadata is not kept).
 */
import type { Codec } from '../codec/types.js';
import type { RgbImage } from '../image/types.js';
import type { ClassicalCodecDef } from './definition.js';
import { decodeWithSharp, encodeWithSharp, sharpFromImage } from './sharp-io.js';
import { badOption, badPrefix, checkImage, commonQuality, nativeInRange, type ParsedSpec } from './spec.js';

export interface JpegOptions {
  /** IJG quality 1..100. */
  quality: number;
  chroma: '420' | '444';
  mozjpeg: boolean;
}

export class JpegCodec implements Codec {
  readonly kind = 'classical' as const;
  readonly id: string;

  constructor(readonly options: JpegOptions) {
    this.id = `jpeg@q${options.quality}:${options.chroma}${options.mozjpeg ? ':moz' : ''}`;
  }

  async compress(x: RgbImage): Promise<Uint8Array> {
    checkImage('jpeg', x);
    const { quality, chroma, mozjpeg } = this.options;
    return encodeWithSharp('jpeg', sharpFromImage(x).jpeg({ quality, chromaSubsampling: chroma === '444' ? '4:4:4' : '4:2:0', mozjpeg }));
  }

  decompress(bytes: Uint8Array): Promise<RgbImage> {
    return decodeWithSharp(bytes, 'jpeg', 'jpeg');
  }
}

export const jpegDef: ClassicalCodecDef = {
  name: 'jpeg',
  aliases: ['jpg'],
  tools: [],
  description: 'JPEG (sharp/mozjpeg lib, IJG tables, baseline); native q 1..100 = common scale; :420 (default) | :444, :moz',
  defaultSweep: [10, 20, 30, 40, 50, 60, 70, 80, 90, 95].map((q) => `jpeg@q${q}`),
  native: { prefix: 'q', min: 1, max: 100, integer: true, increasing: true },
  create(spec: ParsedSpec): Codec {
    const p = spec.param ?? { prefix: '', value: 75 };
    let quality: number;
    if (p.prefix === '') quality = Math.max(1, Math.round(commonQuality('jpeg', p.value)));
    else if (p.prefix === 'q') quality = nativeInRange('jpeg', 'quality', p.value, 1, 100);
    else badPrefix('jpeg', p.prefix, 'q1..q100');
    const opts: JpegOptions = { quality, chroma: '420', mozjpeg: false };
    for (const o of spec.options) {
      if (o === '420' || o === '444') opts.chroma = o;
      else if (o === 'moz') opts.mozjpeg = true;
      else badOption('jpeg', o, ':420, :444, :moz');
    }
    return new JpegCodec(opts);
  },
};
