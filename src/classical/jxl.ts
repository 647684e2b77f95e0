/**
 * JPEG XL through libjxl's cjxl/djxl (Debian libjxl-tools), effort 7 (cjxl's default; `:e1`..`:e9`).
 * Native parameter: butteraugli distance d (0.1..25, lower is better). Common scale q 0..100
 * maps to d the way cjxl maps its own --quality (q ≥ 30: d = 0.1 + (100 − q)·0.09; below,
 * d = 6.4 + 2.5^((30 − q)/5)/6.25), clamped to 25, so `jxl@90` ≡ `cjxl -q 90` ≡ `jxl@d1`.
 * Intermediate: 8-bit PPM both ways. Bytes counted: the whole .jxl codestream cjxl writes.
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

const HINT = 'Debian: apt-get install libjxl-tools';

export interface JxlOptions {
  distance: number;
  effort: number;
  timeoutMs?: number;
}

/** cjxl's quality → distance curve (monotone decreasing), clamped to cjxl's maximum distance 25. */
export function jxlDistanceFromQuality(q: number): number {
  const d = q >= 30 ? 0.1 + (100 - q) * 0.09 : 6.4 + Math.pow(2.5, (30 - q) / 5) / 6.25;
  return Math.min(25, Math.round(d * 1000) / 1000);
}

export class JxlCodec implements Codec {
  readonly kind = 'classical' as const;
  readonly id: string;

  constructor(readonly options: JxlOptions) {
    this.id = `jxl@d${fmt(options.distance)}${options.effort !== 7 ? `:e${options.effort}` : ''}`;
  }

  async compress(x: RgbImage): Promise<Uint8Array> {
    checkImage('jxl', x);
    await requireTools('jxl', ['cjxl'], HINT);
    return withTempDir('jxl', async (dir) => {
      const input = join(dir, 'in.ppm');
      const output = join(dir, 'out.jxl');
      await writeFile(input, encodePpm(x));
      const args = [input, output, '-d', fmt(this.options.distance), '-e', String(this.options.effort), '--num_threads=1', '--quiet'];
      await runTool('cjxl', args, { codec: 'jxl', timeoutMs: this.options.timeoutMs, installHint: HINT });
      return readToolOutput(output, 'cjxl', { codec: 'jxl' });
    });
  }

  async decompress(bytes: Uint8Array): Promise<RgbImage> {
    if (bytes.length === 0) throw new BitstreamError('jxl: cannot decode an empty bitstream');
    await requireTools('jxl', ['djxl'], HINT);
    return withTempDir('jxl', async (dir) => {
      const input = join(dir, 'in.jxl');
      const output = join(dir, 'out.ppm');
      await writeFile(input, bytes);
      // djxl refuses truncated files unless --allow_partial_files is given (we never give it).
      const failure = { codec: 'jxl', onFailure: (m: string, cause: unknown) => new BitstreamError(`jxl: corrupt or truncated bitstream (${m})`, { cause }) };
      await runTool('djxl', [input, output, '--bits_per_sample=8', '--num_threads=1'], { ...failure, timeoutMs: this.options.timeoutMs, installHint: HINT });
      const ppm = await readToolOutput(output, 'djxl', failure);
      try {
        return decodePpm(ppm);
      } catch (err) {
        throw new BitstreamError(`jxl: djxl output unreadable (${(err as Error).message})`, { cause: err });
      }
    });
  }
}

export const jxlDef: ClassicalCodecDef = {
  name: 'jxl',
  aliases: ['jpegxl'],
  tools: ['cjxl', 'djxl'],
  installHint: HINT,
  description: 'JPEG XL (cjxl/djxl, effort 7); native d 0.1..25 (distance, lower = better); common q as cjxl -q; :e1..:e9',
  defaultSweep: [12, 8, 6, 4, 3, 2, 1.5, 1, 0.5].map((d) => `jxl@d${d}`),
  native: { prefix: 'd', min: 0.1, max: 25, integer: false, increasing: false, log: true },
  create(spec: ParsedSpec): Codec {
    const p = spec.param ?? { prefix: '', value: 90 };
    let distance: number;
    if (p.prefix === '' || p.prefix === 'q') distance = jxlDistanceFromQuality(commonQuality('jxl', p.value));
    else if (p.prefix === 'd') distance = nativeInRange('jxl', 'distance', p.value, 0.1, 25, false);
    else badPrefix('jxl', p.prefix, 'q0..q100 or d0.1..d25');
    const opts: JxlOptions = { distance, effort: 7 };
    for (const o of spec.options) {
      if (/^e[1-9]$/.test(o)) opts.effort = Number(o.slice(1));
      else badOption('jxl', o, ':e1..:e9');
    }
    return new JxlCodec(opts);
  },
};
