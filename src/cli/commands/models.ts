import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { initEngine } from '../../engine/index.js';
import { CodecError, UsageError, WeightsMismatchError } from '../../errors.js';
import { PACKAGE_ROOT, codeVersion } from '../../version.js';
import { ARCH_NAMES, type ArchName } from '../../models/types.js';
import { availableArchitectures, configForQuality, createModel, inferConfigFromStateDict, isArchName, lambdaForQuality } from '../../models/registry.js';
import { loadWeightsFile, sha256Bytes } from '../../models/weights/load.js';
import { ManifestSchema, type WeightsManifest } from '../../models/weights/manifest.js';
import { writeSafetensors } from '../../models/weights/safetensors.js';
import { MAX_SCALE_LEVELS, float16ScaleTable, isScaleLevels } from '../../models/entropy/scale-table.js';
import { readImage } from '../../image/read.js';
import { LearnedCodec } from '../../codec/learned-codec.js';
import { listShippedModels } from '../../codec/resolve.js';
import { evaluateCodecOnImage, meanResults } from '../../codec/evaluate-codec.js';
import { listClassical, type ClassicalInfo } from '../../report/rd-classical.js';

export interface ArchitectureInfo {
  arch: ArchName;
  available: boolean;
  qualities: Array<{ quality: number; N: number; M: number; lambda: number }>;
}

export interface ModelsListResult {
  architectures: ArchitectureInfo[];
  shipped: Array<{ name: string; file: string; arch: string; quality: number; N: number; M: number; lambda: number; metric: string; kodak: WeightsManifest['kodak']; kodakSet: string | null; defence: string | null }>;
  classical: ClassicalInfo[];
}

function architectureTable(): ArchitectureInfo[] {
  const available = new Set(availableArchitectures());
  return ARCH_NAMES.map((arch) => {
    const qualities: ArchitectureInfo['qualities'] = [];
    for (let q = 1; q <= 8; q++) {
      try {
        const { N, M } = configForQuality(arch, q);
        qualities.push({ quality: q, N, M, lambda: lambdaForQuality(q) });
      } catch {
        break; // cheng2020 stops at quality 6
      }
    }
    return { arch, available: available.has(arch), qualities };
  });
}

export async function modelsList(weightsDir?: string): Promise<ModelsListResult> {
  return {
    architectures: architectureTable(),
    shipped: listShippedModels(weightsDir ? { weightsDir } : {}).map((s) => ({
      name: s.name,
      file: s.file,
      arch: s.manifest.arch,
      quality: s.manifest.quality,
      N: s.manifest.N,
      M: s.manifest.M,
      lambda: s.manifest.lambda,
      metric: s.manifest.metric,
      kodak: s.manifest.kodak,
      kodakSet: kodakSetOf(s.manifest),
      defence: s.manifest.defence?.method ?? null,
    })),
    classical: await listClassical(),
  };
}

/**
 * Which Kodak images a manifest's numbers come from: n full images measured on the shipped file
 * (`kodak.images`, set by scripts/ship-weights.ts --kodak-from), else, for adversarial training,
 * the few centre crops it validates on (not comparable with its base's numbers); null for
 * training's usual final validation on full images.
 */
function kodakSetOf(m: WeightsManifest): string | null {
  if (m.kodak.images) return `${m.kodak.images} image${m.kodak.images > 1 ? 's' : ''}, shipped file`;
  const v = m.defence?.details?.['validation'] as { images?: number; crop?: number } | undefined;
  if (!v?.images) return null;
  return `${v.images} crop${v.images > 1 ? 's' : ''}${v.crop ? ` of ${v.crop}²` : ''}`;
}

function renderList(r: ModelsListResult): string {
  const lines = ['architectures (quality: N/M, λ):'];
  for (const a of r.architectures) {
    const qs = a.qualities.map((q) => `${q.quality}:${q.N}/${q.M}`).join(' ');
    lines.push(`  ${a.arch.padEnd(22)} ${a.available ? '' : '(unavailable) '}${qs}`);
  }
  lines.push(`  λ by quality: ${a2s(r.architectures[0]?.qualities.map((q) => q.lambda) ?? [])}`);
  lines.push(`shipped weights (${r.shipped.length}):`);
  if (!r.shipped.length) lines.push('  none (import one with `advlic models import`)');
  for (const s of r.shipped) {
    const k = s.kodak;
    lines.push(`  ${s.name.padEnd(32)} N=${s.N} M=${s.M} λ=${s.lambda} Kodak${s.kodakSet ? ` (${s.kodakSet})` : ''} ${k.psnr.toFixed(2)} dB ${k.bpp.toFixed(3)} bpp${k.msssim !== undefined ? ` MS-SSIM ${k.msssim.toFixed(4)}` : ''}${s.defence ? ` [${s.defence}]` : ''}`);
  }
  lines.push(`classical codecs (${r.classical.length}):`);
  for (const c of r.classical) lines.push(`  ${c.name.padEnd(10)} ${c.available ? 'available' : 'tool missing'}${c.tool ? ` (${c.tool})` : ''}${c.qualities.length ? ` qualities ${c.qualities.join(',')}` : ''}`);
  return lines.join('\n');
}

const a2s = (xs: number[]) => xs.join(', ');

export interface ImportOptions {
  arch?: string;
  quality?: string;
  out: string;
  fp16?: boolean;
  /** Give the Gaussian conditional a finer scale table (scale-table.ts): fewer real bits. */
  scaleLevels?: string;
  kodak: string;
  kodakImages: string;
}

export interface ImportResult {
  weights: string;
  manifest: string;
  arch: ArchName;
  N: number;
  M: number;
  quality: number;
  qualitySource: '--quality' | 'file name';
  sha256: string;
  measuredOn: string[];
  kodak: WeightsManifest['kodak'];
}

/** CompressAI zoo files are named `<arch>-<q>-<hash8>.pth.tar`; ours `<arch>-q<q>…`. */
function qualityFromFileName(file: string, arch: string): number | undefined {
  const name = basename(file);
  if (!name.startsWith(`${arch}-`)) return undefined;
  const m = /^(?:q)?([1-8])(?:[-_.]|$)/.exec(name.slice(arch.length + 1));
  return m ? Number(m[1]) : undefined;
}

/** The images the manifest's "kodak" numbers are measured on: the first n of the Kodak folder, else the reference input. */
function measurementImages(kodakDir: string, n: number): { files: string[]; what: string } {
  if (existsSync(kodakDir)) {
    const files = readdirSync(kodakDir).filter((f) => /\.png$/i.test(f)).sort().slice(0, n).map((f) => join(kodakDir, f));
    if (files.length) return { files, what: `Kodak (${files.map((f) => basename(f)).join(', ')}; ${files.length} image(s))` };
  }
  const ref = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'compressai', 'input.png');
  if (existsSync(ref)) return { files: [ref], what: `NOT Kodak (no Kodak folder at ${kodakDir}): CompressAI reference input ${ref}` };
  throw new UsageError(`cannot measure the manifest's Kodak numbers: no PNGs in ${kodakDir}; pass --kodak <dir>`);
}

export async function modelsImport(ckpt: string, o: ImportOptions, command: string, log: (m: string) => void): Promise<ImportResult> {
  if (!o.out.endsWith('.safetensors')) throw new UsageError(`--out must end with .safetensors, got '${o.out}'`);
  const nImages = Number(o.kodakImages);
  if (!Number.isInteger(nImages) || nImages < 1) throw new UsageError(`--kodak-images must be a positive integer, got '${o.kodakImages}'`);
  const w = await loadWeightsFile(ckpt);
  const inferred = inferConfigFromStateDict(w.stateDict);
  if (o.arch !== undefined && !isArchName(o.arch)) throw new UsageError(`unknown --arch "${o.arch}" (known: ${ARCH_NAMES.join(', ')})`);
  const arch = (o.arch as ArchName | undefined) ?? inferred.arch;
  let quality: number | undefined;
  let qualitySource: ImportResult['qualitySource'] = '--quality';
  if (o.quality !== undefined) {
    quality = Number(o.quality);
    if (!Number.isInteger(quality) || quality < 1 || quality > 8) throw new UsageError(`--quality must be an integer 1..8, got '${o.quality}'`);
  } else {
    quality = qualityFromFileName(ckpt, arch);
    qualitySource = 'file name';
    if (quality === undefined) throw new UsageError(`the quality of ${basename(ckpt)} is unknown (the manifest needs quality 1..8 and its λ): pass --quality Q`);
  }
  const lambda = lambdaForQuality(quality);
  const scaleLevels = o.scaleLevels === undefined ? undefined : Number(o.scaleLevels);
  if (scaleLevels !== undefined && !isScaleLevels(scaleLevels)) throw new UsageError(`--scale-levels must be an integer 2..${MAX_SCALE_LEVELS}, got '${o.scaleLevels}'`);

  const model = createModel({ arch, N: inferred.N, M: inferred.M });
  let bytes: Uint8Array;
  try {
    try {
      model.loadStateDict(w.stateDict); // validates every key and shape
    } catch (e) {
      if (e instanceof WeightsMismatchError) throw new WeightsMismatchError(`${ckpt} does not fit ${arch} N=${inferred.N} M=${inferred.M}: ${e.message}`);
      throw e;
    }
    model.update(); // CDF tables, if the checkpoint had none
    if (scaleLevels !== undefined) {
      if (!model.gaussianConditional) throw new UsageError(`--scale-levels: ${arch} has no Gaussian conditional (its latents have no scale table)`);
      model.gaussianConditional.setScaleTable(float16ScaleTable(scaleLevels));
    }
    bytes = writeSafetensors(model.stateDict(), { fp16: Boolean(o.fp16), metadata: { arch, N: String(inferred.N), M: String(inferred.M) } });
  } finally {
    model.dispose();
  }
  const sha256 = sha256Bytes(bytes);
  await mkdir(dirname(o.out), { recursive: true });
  await writeFile(`${o.out}.tmp`, bytes);
  await rename(`${o.out}.tmp`, o.out);

  // Measure what we ship (after fp16, if asked), by real coding.
  const { files, what } = measurementImages(o.kodak, nImages);
  log(`advlic: measuring ${basename(o.out)} on ${what}`);
  const codec = new LearnedCodec(createModel({ arch, N: inferred.N, M: inferred.M }), { weightsHash: sha256, quality });
  const rows = [];
  try {
    const reloaded = await loadWeightsFile(o.out);
    codec.model.loadStateDict(reloaded.stateDict);
    for (const f of files) rows.push(await evaluateCodecOnImage(codec, await readImage(f), f));
  } finally {
    codec.dispose();
  }
  const mean = meanResults(codec.id, rows);
  if (mean.psnr === null || mean.bppReal === null) throw new CodecError(`measuring ${o.out}: PSNR is infinite (lossless?) or no rate was measured; the manifest needs finite numbers`);
  const kodak: WeightsManifest['kodak'] = { psnr: mean.psnr, bpp: mean.bppReal, ...(mean.msSsim !== null ? { msssim: mean.msSsim } : {}) };
  const manifest = ManifestSchema.parse({
    arch,
    N: inferred.N,
    M: inferred.M,
    quality,
    lambda,
    metric: 'mse',
    trainingData: `imported from ${basename(ckpt)}`,
    command,
    seed: 0,
    steps: 0,
    kodak,
    sha256,
    created: new Date().toISOString(),
    codeVersion: codeVersion(),
  } satisfies WeightsManifest);
  const manifestPath = o.out.replace(/\.safetensors$/, '.json');
  // Extra field (ignored by the schema): which images the "kodak" numbers come from.
  const doc = { ...manifest, ...(scaleLevels !== undefined ? { scaleTableLevels: scaleLevels } : {}), kodakMeasuredOn: what, sourceSha256: w.sha256, qualitySource };
  await writeFile(`${manifestPath}.tmp`, JSON.stringify(doc, null, 2) + '\n');
  await rename(`${manifestPath}.tmp`, manifestPath);
  return { weights: o.out, manifest: manifestPath, arch, N: inferred.N, M: inferred.M, quality, qualitySource, sha256, measuredOn: files, kodak };
}

/** The command line that reproduces an import, for the manifest. */
function importCommand(ckpt: string, o: ImportOptions): string {
  const parts = ['advlic models import', ckpt, '--out', o.out];
  if (o.arch) parts.push('--arch', o.arch);
  if (o.quality) parts.push('--quality', o.quality);
  if (o.fp16) parts.push('--fp16');
  if (o.scaleLevels) parts.push('--scale-levels', o.scaleLevels);
  parts.push('--kodak', o.kodak, '--kodak-images', o.kodakImages);
  return parts.join(' ');
}

export function register(program: Command, ctx: () => CliContext): void {
  const models = program.command('models').description('the model zoo: architectures, shipped weights, classical codecs, checkpoint import');
  models
    .command('list')
    .description('architectures (quality → N/M/λ), shipped weights with their Kodak numbers, classical codecs and their tools')
    .option('--weights-dir <dir>', 'folder of shipped weights (default: the package weights/ or ADVLIC_WEIGHTS_DIR)')
    .action(async (opts: { weightsDir?: string }) => {
      const r = await modelsList(opts.weightsDir);
      ctx().print(r, () => renderList(r));
    });
  models
    .command('import')
    .description('convert a CompressAI checkpoint (.pth.tar) to safetensors + manifest, measuring it on Kodak')
    .argument('<checkpoint>', 'CompressAI checkpoint (.pth, .pth.tar)')
    .requiredOption('--out <file>', 'output .safetensors (the manifest goes beside it as .json)')
    .option('--arch <arch>', 'architecture (default: inferred from the keys)')
    .option('--quality <q>', 'zoo quality 1..8 (default: from a zoo file name <arch>-<q>-<hash>.pth.tar)')
    .option('--fp16', 'store float tensors as float16')
    .option('--scale-levels <n>', "a finer Gaussian-conditional scale table of n entries (CompressAI's is 64; 256 saved 1.5-3 % of the real bits on advlic's hyperpriors: check yours with advlic rd)")
    .option('--kodak <dir>', 'Kodak folder for the manifest numbers', join(PACKAGE_ROOT, '..', 'shared', 'data', 'kodak'))
    .option('--kodak-images <n>', 'how many Kodak images to measure on', '2')
    .action(async (ckpt: string, opts: ImportOptions) => {
      const c = ctx();
      await initEngine({ engine: c.engine });
      const r = await modelsImport(ckpt, opts, importCommand(ckpt, opts), (m) => c.log(m));
      c.print(r, () =>
        `${r.arch} N=${r.N} M=${r.M} q${r.quality} (${r.qualitySource}) → ${r.weights} + ${basename(r.manifest)}\n` +
        `measured on ${r.measuredOn.length} image(s): ${r.kodak.psnr.toFixed(2)} dB, ${r.kodak.bpp.toFixed(4)} bpp${r.kodak.msssim !== undefined ? `, MS-SSIM ${r.kodak.msssim.toFixed(4)}` : ''}`,
      );
    });
}
