/**
 * H.266/VVC intra through Fraunhofer's vvencapp/vvdecapp, when both are on PATH (Debian 12 does
 * not package them; build from github.com/fraunhoferhhi/vvenc and vvdec). One frame (so it is
 * an intra/IDR picture), constant QP (`--qpa 0`: no perceptual QP adaptation), preset
 * "faster" by default (`:fast`, `:medium`, `:slow` to change), 8-bit 4:2:0 input (vvencapp
 * takes only 4:2:0), vvenc's default 10-bit internal coding; BT.601 full-range YCbCr done in
 * advlic like the HEVC codec. Decoded through vvdecapp's Y4M output.
 * Bytes counted: the raw Annex B .266 bitstream plus advlic's end-of-bitstream NAL (and a
 * crop NAL for odd sizes), as for HEVC — see annexb-trailer.ts.
 * Native parameter: qp 0..63; common q 0..100 → qp = round(51·(100 − q)/100), the HEVC mapping,
 * so equal common qualities give equal QPs.
 * NOTE: written against vvenc ≥ 1.8 / vvdec ≥ 2.0 command lines; not exercised on this machine.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Codec } from '../codec/types.js';
import { BitstreamError } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import { appendTrailer, stripTrailer, VVC_NAL } from './annexb-trailer.js';
import type { ClassicalCodecDef } from './definition.js';
import { frameToImage, qpFromQuality } from './hevc.js';
import { readToolOutput, requireTools, runTool, withTempDir } from './run-tool.js';
import { badOption, badPrefix, checkImage, commonQuality, nativeInRange, type ParsedSpec } from './spec.js';
import { rgbToYuv, yuvToBytes } from './yuv.js';

/** Why VVC is usually absent (checked: Debian 12's archive, its ffmpeg 5.1, the npm registry). */
export const VVC_HINT = 'not packaged by Debian 12, whose ffmpeg 5.1 has no VVC either, nor on npm: build Fraunhofer vvenc and vvdec and put vvencapp/vvdecapp on PATH';

const PRESETS = ['faster', 'fast', 'medium', 'slow'] as const;
type VvcPreset = (typeof PRESETS)[number];

export interface VvcOptions {
  qp: number;
  preset: VvcPreset;
  timeoutMs?: number;
}

export class VvcCodec implements Codec {
  readonly kind = 'classical' as const;
  readonly id: string;

  constructor(readonly options: VvcOptions) {
    this.id = `vvc@qp${options.qp}${options.preset !== 'faster' ? `:${options.preset}` : ''}`;
  }

  async compress(x: RgbImage): Promise<Uint8Array> {
    checkImage('vvc', x);
    await requireTools('vvc', ['vvencapp'], VVC_HINT);
    const frame = rgbToYuv(x, '420');
    return withTempDir('vvc', async (dir) => {
      const input = join(dir, 'in.yuv');
      const output = join(dir, 'out.266');
      await writeFile(input, yuvToBytes(frame));
      const args = [
        '-i', input, '-s', `${frame.width}x${frame.height}`, '-c', 'yuv420', '-r', '25', '-f', '1',
        '--preset', this.options.preset, '--qp', String(this.options.qp), '--qpa', '0', '-v', '1', '-o', output,
      ];
      await runTool('vvencapp', args, { codec: 'vvc', timeoutMs: this.options.timeoutMs, installHint: VVC_HINT });
      const stream = await readToolOutput(output, 'vvencapp', { codec: 'vvc' });
      const padded = frame.width !== x.width || frame.height !== x.height;
      return appendTrailer(stream, VVC_NAL, padded ? { width: x.width, height: x.height } : undefined);
    });
  }

  async decompress(bytes: Uint8Array): Promise<RgbImage> {
    const { stream, crop } = stripTrailer(bytes, VVC_NAL);
    await requireTools('vvc', ['vvdecapp'], VVC_HINT);
    return withTempDir('vvc', async (dir) => {
      const input = join(dir, 'in.266');
      const output = join(dir, 'out.y4m');
      await writeFile(input, stream);
      const failure = { codec: 'vvc', onFailure: (m: string, cause: unknown) => new BitstreamError(`vvc: corrupt bitstream (${m})`, { cause }) };
      await runTool('vvdecapp', ['-b', input, '-o', output, '--y4m', '-v', '1'], { ...failure, timeoutMs: this.options.timeoutMs, installHint: VVC_HINT });
      return frameToImage(await readToolOutput(output, 'vvdecapp', failure), crop, 'vvc');
    });
  }
}

export const vvcDef: ClassicalCodecDef = {
  name: 'vvc',
  aliases: ['h266', 'vvenc'],
  tools: ['vvencapp', 'vvdecapp'],
  installHint: VVC_HINT,
  description: 'H.266/VVC intra (vvencapp/vvdecapp, CQP, preset faster, 4:2:0, 10-bit internal); native qp 0..63; :fast|:medium|:slow',
  defaultSweep: [47, 42, 37, 32, 27, 22].map((qp) => `vvc@qp${qp}`),
  native: { prefix: 'qp', min: 0, max: 63, integer: true, increasing: false },
  create(spec: ParsedSpec): Codec {
    const p = spec.param ?? { prefix: 'qp', value: 32 };
    let qp: number;
    if (p.prefix === '') qp = qpFromQuality(commonQuality('vvc', p.value));
    else if (p.prefix === 'qp') qp = nativeInRange('vvc', 'qp', p.value, 0, 63);
    else badPrefix('vvc', p.prefix, 'qp0..qp63');
    const opts: VvcOptions = { qp, preset: 'faster' };
    for (const o of spec.options) {
      if ((PRESETS as readonly string[]).includes(o)) opts.preset = o as VvcPreset;
      else badOption('vvc', o, PRESETS.map((s) => `:${s}`).join(', '));
    }
    return new VvcCodec(opts);
  },
};
