/**
 * HEVC intra ("BPG-style"): one frame through ffmpeg + libx265, constant QP, all-intra
 * (`keyint=1`, no B-frames, `ipratio=1` so the I-frame really uses the given QP), preset
 * medium, 8-bit, x265's encoder-info SEI off (`info=0`, it would add ~2 KB of text).
 * Colour: BT.601 full-range YCbCr done in advlic (src/classical/yuv.ts), 4:2:0 by default
 * (as BPG) or `:444`; the VUI signals full range + BT.601.
 * Bytes counted: the raw Annex B bitstream ffmpeg's `-f hevc` muxer writes (start codes,
 * VPS/SPS/PPS, the slice) plus advlic's 5-byte end-of-bitstream NAL (and, for odd sizes in 4:2:0
 * only, a ~15-byte crop NAL) — see annexb-trailer.ts. No container.
 * Native parameter: qp 0..51; common q 0..100 → qp = round(51·(100 − q)/100).
 * Integrity: truncation is always caught (end marker). Bit flips inside the slice decode
 * silently, as in JPEG; `:md5` adds x265's MD5 decoded-picture-hash SEI (~54 bytes, counted),
 * which the decoder then verifies (`-err_detect crccheck+explode`) and refuses on mismatch.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Codec } from '../codec/types.js';
import { BitstreamError } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import { appendTrailer, HEVC_NAL, stripTrailer } from './annexb-trailer.js';
import type { ClassicalCodecDef } from './definition.js';
import { readToolOutput, requireTools, runTool, withTempDir } from './run-tool.js';
import { badOption, badPrefix, checkImage, commonQuality, nativeInRange, type ParsedSpec } from './spec.js';
import { parseY4m } from './y4m.js';
import { rgbToYuv, yuvToBytes, yuvToRgb, type ChromaFormat } from './yuv.js';

const HINT = 'Debian: apt-get install ffmpeg, whose libavcodec has libx265';

export interface HevcOptions {
  qp: number;
  chroma: ChromaFormat;
  preset: string;
  /** Emit and verify an MD5 picture hash SEI. */
  md5?: boolean;
  timeoutMs?: number;
}

export function qpFromQuality(q: number, maxQp = 51): number {
  return Math.round((maxQp * (100 - q)) / 100);
}

export class HevcCodec implements Codec {
  readonly kind = 'classical' as const;
  readonly id: string;

  constructor(readonly options: HevcOptions) {
    this.id = `hevc@qp${options.qp}:${options.chroma}${options.md5 ? ':md5' : ''}`;
  }

  async compress(x: RgbImage): Promise<Uint8Array> {
    checkImage('hevc', x);
    await requireTools('hevc', ['ffmpeg'], HINT);
    const { qp, chroma, preset } = this.options;
    const frame = rgbToYuv(x, chroma);
    return withTempDir('hevc', async (dir) => {
      const input = join(dir, 'in.yuv');
      const output = join(dir, 'out.hevc');
      await writeFile(input, yuvToBytes(frame));
      const params = [
        `qp=${qp}`, 'keyint=1', 'min-keyint=1', 'bframes=0', 'ipratio=1', 'info=0', 'log-level=error',
        'range=full', 'colormatrix=smpte170m', `hash=${this.options.md5 ? 1 : 0}`,
      ].join(':');
      const args = [
        '-hide_banner', '-loglevel', 'error', '-nostdin',
        '-f', 'rawvideo', '-pix_fmt', chroma === '444' ? 'yuv444p' : 'yuv420p', '-s', `${frame.width}x${frame.height}`, '-i', input,
        '-frames:v', '1', '-c:v', 'libx265', '-preset', preset, '-x265-params', params,
        '-f', 'hevc', '-y', output,
      ];
      await runTool('ffmpeg', args, { codec: 'hevc', timeoutMs: this.options.timeoutMs, installHint: HINT });
      const stream = await readToolOutput(output, 'ffmpeg', { codec: 'hevc' });
      const padded = frame.width !== x.width || frame.height !== x.height;
      return appendTrailer(stream, HEVC_NAL, padded ? { width: x.width, height: x.height } : undefined);
    });
  }

  async decompress(bytes: Uint8Array): Promise<RgbImage> {
    const { stream, crop } = stripTrailer(bytes, HEVC_NAL);
    await requireTools('hevc', ['ffmpeg'], HINT);
    return withTempDir('hevc', async (dir) => {
      const input = join(dir, 'in.hevc');
      const output = join(dir, 'out.y4m');
      await writeFile(input, stream);
      const args = [
        '-hide_banner', '-loglevel', 'error', '-nostdin', '-err_detect', 'crccheck+explode', '-xerror',
        '-f', 'hevc', '-i', input, '-strict', '-1', '-f', 'yuv4mpegpipe', '-y', output,
      ];
      const failure = { codec: 'hevc', onFailure: (m: string, cause: unknown) => new BitstreamError(`hevc: corrupt bitstream (${m})`, { cause }) };
      await runTool('ffmpeg', args, { ...failure, timeoutMs: this.options.timeoutMs, installHint: HINT });
      return frameToImage(await readToolOutput(output, 'ffmpeg', failure), crop, 'hevc');
    });
  }
}

/** Shared by HEVC and VVC: Y4M → RGB, cropped to the advlic crop NAL's size if present. */
export function frameToImage(y4m: Uint8Array, crop: { width: number; height: number } | undefined, codec: string): RgbImage {
  let frame;
  try {
    frame = parseY4m(y4m);
  } catch (err) {
    throw new BitstreamError(`${codec}: decoder produced no valid picture (${(err as Error).message})`, { cause: err });
  }
  const w = crop?.width ?? frame.width;
  const h = crop?.height ?? frame.height;
  if (w > frame.width || h > frame.height || w < frame.width - 1 || h < frame.height - 1) {
    throw new BitstreamError(`${codec}: crop ${w}x${h} does not fit the decoded ${frame.width}x${frame.height} picture`);
  }
  return yuvToRgb(frame, w, h);
}

export const hevcDef: ClassicalCodecDef = {
  name: 'hevc',
  aliases: ['h265', 'x265', 'bpg'],
  tools: ['ffmpeg'],
  installHint: HINT,
  description: 'HEVC intra (ffmpeg/libx265, CQP, preset medium, 8-bit, BT.601 full range); native qp 0..51; :420 (default) | :444, :md5 (picture hash, ~54 bytes)',
  defaultSweep: [47, 42, 37, 32, 27, 22, 17].map((qp) => `hevc@qp${qp}`),
  native: { prefix: 'qp', min: 0, max: 51, integer: true, increasing: false },
  create(spec: ParsedSpec): Codec {
    const p = spec.param ?? { prefix: 'qp', value: 32 };
    let qp: number;
    if (p.prefix === '') qp = qpFromQuality(commonQuality('hevc', p.value));
    else if (p.prefix === 'qp') qp = nativeInRange('hevc', 'qp', p.value, 0, 51);
    else badPrefix('hevc', p.prefix, 'qp0..qp51');
    const opts: HevcOptions = { qp, chroma: '420', preset: 'medium' };
    for (const o of spec.options) {
      if (o === '420' || o === '444') opts.chroma = o;
      else if (o === 'md5') opts.md5 = true;
      else badOption('hevc', o, ':420, :444, :md5');
    }
    return new HevcCodec(opts);
  },
};
