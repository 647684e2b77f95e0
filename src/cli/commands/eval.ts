import { basename } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { initEngine } from '../../engine/index.js';
import { UsageError } from '../../errors.js';
import { readImage } from '../../image/read.js';
import { expandImages } from '../../experiments/images.js';
import { evaluateCodecOnImage, meanResults, type CodecImageResult, type CodecMeanResult } from '../../codec/evaluate-codec.js';
import { addModelFlags, collectList, openCodec, type ModelFlags } from './compress.js';

export interface EvalResult {
  entropyEstimation: boolean;
  models: Array<{ model: string; codec: string; images: CodecImageResult[]; mean: CodecMeanResult }>;
}

const f = (v: number | null, d: number) => (v === null ? '—' : v.toFixed(d));

function render(r: EvalResult): string {
  const head = ['model', 'image', 'PSNR', 'MS-SSIM', 'bpp est', 'bpp real', 'enc ms', 'dec ms'];
  const rows: string[][] = [];
  for (const m of r.models) {
    const line = (name: string, x: Omit<CodecMeanResult, 'images'> | CodecImageResult) => [
      m.codec, name, f(x.psnr, 2), f(x.msSsim, 4), f(x.bppEstimated, 4), f(x.bppReal, 4), f(x.encodeMs, 0), f(x.decodeMs, 0),
    ];
    for (const i of m.images) rows.push(line(basename(i.image), i));
    rows.push(line(`mean (${m.mean.images})`, m.mean));
  }
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const fmt = (cells: string[]) => cells.map((s, c) => (c < 2 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

export function register(program: Command, ctx: () => CliContext): void {
  addModelFlags(
    program
      .command('eval')
      .description('PSNR, MS-SSIM, estimated and real bpp, encode/decode time per image and mean, for learned and classical codecs')
      .argument('<images...>', 'image files or folders')
      .requiredOption('--model <spec>', 'model or codec spec; repeat or comma-separate for several', collectList, [])
      .option('--entropy-estimation', 'skip real coding: judge the forward pass (learned models only), as CompressAI')
      .option('--limit <n>', 'use only the first n images (sorted)'),
  ).action(async (inputs: string[], opts: ModelFlags & { model: string[]; entropyEstimation?: boolean; limit?: string }) => {
    const c = ctx();
    if (!opts.model.length) throw new UsageError('--model needs at least one model or codec');
    const limit = opts.limit === undefined ? undefined : Number(opts.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError(`--limit must be a positive integer, got '${opts.limit}'`);
    await initEngine({ engine: c.engine });
    const files = expandImages(inputs, process.cwd(), limit).map((r) => r.path);
    const images = [];
    for (const file of files) images.push({ file, img: await readImage(file, { warn: (m) => c.log(m) }) });
    const result: EvalResult = { entropyEstimation: Boolean(opts.entropyEstimation), models: [] };
    for (const spec of opts.model) {
      const codec = await openCodec(spec, opts);
      try {
        if (opts.entropyEstimation && codec.kind !== 'learned') c.log(`advlic: note: ${codec.id} is not learned: real coding is used`);
        const rows: CodecImageResult[] = [];
        for (const { file, img } of images) {
          rows.push(await evaluateCodecOnImage(codec, img, file, { entropyEstimation: opts.entropyEstimation }));
          if (!c.json) c.log(`advlic: ${codec.id} ${basename(file)} done`);
        }
        result.models.push({ model: spec, codec: codec.id, images: rows, mean: meanResults(codec.id, rows) });
      } finally {
        codec.dispose?.();
      }
    }
    c.print(result, () => render(result));
  });
}
