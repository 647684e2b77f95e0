/**
 * JPEG 2000 through OpenJPEG's opj_compress/opj_decompress: irreversible 9/7 wavelet + ICT
 * (`-I`, the lossy mode), up to 6 resolution levels, one quality layer.
 * Native parameter, either: `r` = compression ratio (a rate target: `-r`, e.g. r40 = 24/40 bpp),
 * or `psnr` = PSNR target in dB (`-q`, image-adaptive like a quality). The common scale maps to
 * a PSNR target, psnr = 20 + 0.25·q dB (q 50 → 32.5 dB), so that — as for the other codecs —
 * a harder image costs more bits instead of getting the same rate.
 * Intermediate: 8-bit PPM both ways. Bytes counted: the raw .j2k codestream (no JP2 boxes).
 * Truncated codestreams are refused (OpenJPEG ≥ 2.5 strict mode, no -allow-partial).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Codec } from '../codec/types.js';
import { BitstreamError } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import type { ClassicalCodecDef } from './definition.js';
import { decodePpm, encodePpm } from './ppm.js';
import { readToolOutput, requireTools, runTool, withTempDir } from './run-tool.js';
import { badOption, badPrefix, checkImage, commonQuality, fmt, nativeInRange, type ParsedSpec } from './spec.js';

const HINT = 'Debian: apt-get install libopenjp2-tools';

export type J2kTarget = { kind: 'ratio'; value: number } | { kind: 'psnr'; value: number };

export function j2kPsnrFromQuality(q: number): number {
  return 20 + 0.25 * q;
}

export class J2kCodec implements Codec {
  readonly kind = 'classical' as const;
  readonly id: string;

  constructor(readonly target: J2kTarget, readonly timeoutMs?: number) {
    this.id = `j2k@${target.kind === 'ratio' ? 'r' : 'psnr'}${fmt(target.value)}`;
  }

  async compress(x: RgbImage): Promise<Uint8Array> {
    checkImage('j2k', x);
    await requireTools('j2k', ['opj_compress'], HINT);
    return withTempDir('j2k', async (dir) => {
      const input = join(dir, 'in.ppm');
      const output = join(dir, 'out.j2k');
      await writeFile(input, encodePpm(x));
      // Fewer levels for small images: each level halves the smallest side.
      const levels = Math.max(1, Math.min(6, Math.floor(Math.log2(Math.min(x.width, x.height))) + 1));
      const t = this.target;
      const args = ['-i', input, '-o', output, '-I', '-n', String(levels), t.kind === 'ratio' ? '-r' : '-q', fmt(t.value)];
      await runTool('opj_compress', args, { codec: 'j2k', timeoutMs: this.timeoutMs, installHint: HINT });
      return readToolOutput(output, 'opj_compress', { codec: 'j2k' });
    });
  }

  async decompress(bytes: Uint8Array): Promise<RgbImage> {
    if (bytes.length < 2 || bytes[0] !== 0xff || bytes[1] !== 0x4f) {
      throw new BitstreamError('j2k: not a JPEG 2000 codestream (no SOC marker FF4F)');
    }
    await requireTools('j2k', ['opj_decompress'], HINT);
    return withTempDir('j2k', async (dir) => {
      const input = join(dir, 'in.j2k');
      const output = join(dir, 'out.ppm');
      await writeFile(input, bytes);
      const failure = { codec: 'j2k', onFailure: (m: string, cause: unknown) => new BitstreamError(`j2k: corrupt or truncated codestream (${m})`, { cause }) };
      await runTool('opj_decompress', ['-i', input, '-o', output, '-quiet'], { ...failure, timeoutMs: this.timeoutMs, installHint: HINT });
      const ppm = await readToolOutput(output, 'opj_decompress', failure);
      try {
        return decodePpm(ppm);
      } catch (err) {
        throw new BitstreamError(`j2k: opj_decompress output unreadable (${(err as Error).message})`, { cause: err });
      }
    });
  }
}

export const j2kDef: ClassicalCodecDef = {
  name: 'j2k',
  aliases: ['jpeg2000', 'jp2'],
  tools: ['opj_compress', 'opj_decompress'],
  installHint: HINT,
  description: 'JPEG 2000 (OpenJPEG, 9/7 irreversible); native r<ratio> or psnr<dB>; common q → PSNR target 20 + 0.25·q dB',
  defaultSweep: [26, 28, 30, 32, 34, 36, 38, 40, 42].map((p) => `j2k@psnr${p}`),
  native: { prefix: 'psnr', min: 15, max: 60, integer: false, increasing: true },
  create(spec: ParsedSpec): Codec {
    const p = spec.param ?? { prefix: '', value: 50 };
    let target: J2kTarget;
    if (p.prefix === '') target = { kind: 'psnr', value: j2kPsnrFromQuality(commonQuality('j2k', p.value)) };
    else if (p.prefix === 'r') target = { kind: 'ratio', value: nativeInRange('j2k', 'compression ratio', p.value, 1, 10000, false) };
    else if (p.prefix === 'psnr') target = { kind: 'psnr', value: nativeInRange('j2k', 'PSNR target', p.value, 10, 100, false) };
    else badPrefix('j2k', p.prefix, 'r<ratio> (e.g. r40) or psnr<dB> (e.g. psnr35)');
    for (const o of spec.options) badOption('j2k', o, 'none');
    return new J2kCodec(target);
  },
};
