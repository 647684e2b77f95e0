import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { initEngine } from '../../engine/index.js';
import { ImageShapeError, ImageSizeError, UsageError } from '../../errors.js';
import { readImage, DEFAULT_MAX_PIXELS } from '../../image/read.js';
import { psnr } from '../../metrics/psnr.js';
import { ssimValue } from '../../metrics/ssim.js';
import { msSsimDb, msSsimValue } from '../../metrics/ms-ssim.js';

export interface MetricsResult {
  a: string;
  b: string;
  width: number;
  height: number;
  /** dB on 8-bit-rounded images; null when the images are identical (infinite PSNR). */
  psnr: number | null;
  ssim: number;
  /** null when an image side is ≤ 160 px (MS-SSIM undefined there). */
  msSsim: number | null;
  msSsimDb: number | null;
}

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('metrics')
    .description('PSNR, SSIM and MS-SSIM (pytorch_msssim definition) between two images of the same size')
    .argument('<a>', 'reference image')
    .argument('<b>', 'distorted image')
    .option('--max-pixels <n>', 'refuse images larger than this many pixels', String(DEFAULT_MAX_PIXELS))
    .action(async (pathA: string, pathB: string, options: { maxPixels: string }) => {
      const c = ctx();
      await initEngine({ engine: c.engine });
      const maxPixels = Number(options.maxPixels);
      if (!Number.isInteger(maxPixels) || maxPixels < 1) throw new UsageError(`--max-pixels must be a positive integer, got '${options.maxPixels}'`);
      const warn = (m: string) => c.log(m);
      const a = await readImage(pathA, { maxPixels, warn });
      const b = await readImage(pathB, { maxPixels, warn });
      if (a.width !== b.width || a.height !== b.height) {
        throw new ImageShapeError(`images differ in size: ${pathA} is ${a.width}x${a.height}, ${pathB} is ${b.width}x${b.height}`);
      }
      const p = psnr(a, b);
      let ms: number | null = null;
      try {
        ms = msSsimValue(a, b);
      } catch (err) {
        if (!(err instanceof ImageSizeError)) throw err;
        c.log(`advlic: note: ${err.message}; MS-SSIM reported as null`);
      }
      const db = ms === null ? null : msSsimDb(ms);
      const result: MetricsResult = {
        a: pathA,
        b: pathB,
        width: a.width,
        height: a.height,
        psnr: Number.isFinite(p) ? p : null,
        ssim: ssimValue(a, b),
        msSsim: ms,
        msSsimDb: db !== null && Number.isFinite(db) ? db : null,
      };
      c.print(result, () => renderHuman(result, p));
    });
}

function renderHuman(r: MetricsResult, p: number): string {
  const fmt = (v: number | null, digits: number, unit = '') => (v === null ? 'n/a' : v.toFixed(digits) + unit);
  return [
    `${r.a} vs ${r.b} (${r.width}x${r.height})`,
    `PSNR     ${p === Infinity ? 'inf (identical)' : fmt(r.psnr, 3, ' dB')}`,
    `SSIM     ${fmt(r.ssim, 6)}`,
    `MS-SSIM  ${fmt(r.msSsim, 6)}  (${r.msSsim === 1 ? 'inf' : fmt(r.msSsimDb, 3)} dB)`,
  ].join('\n');
}
