/**
 * Full compress / decompress time (rANS coding and the .alic container included) per Kodak
 * image for each architecture, plus rANS throughput (bench/codec-rans.ts). Shipped weights
 * (weights/) are used when an architecture has them; otherwise a random-weight model at the
 * zoo's N/M for --quality, with g_a's last layer rescaled so that y has RMS 2 (random g_a
 * output is near zero and would make coding trivially fast) — the JSON says which.
 * Prints one JSON document.
 *   node --import tsx bench/codec.ts [--images 1] [--archs a,b] [--quality 3] [--rans-symbols 1000000]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { engineInfo, initEngine, tf } from '../src/engine/index.js';
import { PACKAGE_ROOT, codeVersion } from '../src/version.js';
import { readImage } from '../src/image/read.js';
import { imageToTensor } from '../src/image/tensor.js';
import { psnr } from '../src/metrics/psnr.js';
import { bppFromBytes } from '../src/metrics/bpp.js';
import { ARCH_NAMES } from '../src/models/types.js';
import { configForQuality, createModel } from '../src/models/registry.js';
import type { LearnedModel } from '../src/models/types.js';
import { LearnedCodec } from '../src/codec/learned-codec.js';
import { listShippedModels } from '../src/codec/resolve.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const nImages = Number(arg('images', '1'));
const archs = arg('archs', ARCH_NAMES.join(',')).split(',');
const quality = Number(arg('quality', '3'));
const ransSymbols = arg('rans-symbols', '1000000');
const kodak = arg('kodak', join(PACKAGE_ROOT, '..', 'shared', 'data', 'kodak'));

/** Scales g_a's last conv so y has RMS ≈ 2 on x (what trained models produce, roughly). */
function scaleAnalysis(model: LearnedModel, x: tf.Tensor4D): number | null {
  const gA = (model as unknown as { gA?: { apply(t: tf.Tensor4D): tf.Tensor } }).gA;
  if (!gA) return null;
  const rms = tf.tidy(() => Math.sqrt(tf.mean(tf.square(gA.apply(x))).dataSync()[0]!));
  const sd = model.stateDict();
  const last = [...sd.keys()].filter((k) => /^g_a\.\d+\.weight$/.test(k)).pop()?.replace(/\.weight$/, '');
  if (!last || !(rms > 0)) return null;
  for (const p of ['weight', 'bias']) {
    const t = sd.get(`${last}.${p}`);
    if (t) t.data = (t.data as Float32Array).map((v) => (v * 2) / rms);
  }
  model.loadStateDict(sd);
  return tf.tidy(() => Math.sqrt(tf.mean(tf.square(gA.apply(x))).dataSync()[0]!));
}

const engine = await initEngine();
const files = readdirSync(kodak).filter((f) => f.endsWith('.png')).sort().slice(0, nImages).map((f) => join(kodak, f));
const images = await Promise.all(files.map(async (f) => ({ name: basename(f), img: await readImage(f) })));
const shipped = listShippedModels();

const results = [];
for (const arch of archs) {
  const own = shipped.find((s) => s.manifest.arch === arch && s.manifest.quality === quality) ?? shipped.find((s) => s.manifest.arch === arch);
  let codec: LearnedCodec;
  let source: Record<string, unknown>;
  if (own) {
    codec = await LearnedCodec.fromWeightsFile(own.file);
    source = { weights: 'shipped', name: own.name };
  } else {
    const cfg = configForQuality(arch, Math.min(quality, arch.startsWith('cheng') ? 6 : 8));
    const model = createModel(cfg, { seed: 1 });
    const x = imageToTensor(images[0]!.img);
    const yRms = scaleAnalysis(model, x);
    x.dispose();
    model.update(true);
    codec = new LearnedCodec(model, { weightsHash: '0'.repeat(64), quality });
    source = { weights: 'random-init (no shipped weights): zoo-size N/M, g_a last layer rescaled', yRms };
  }
  const perImage = [];
  for (const { name, img } of images) {
    const t0 = performance.now();
    const bytes = await codec.compress(img);
    const t1 = performance.now();
    const rec = await codec.decompress(bytes);
    const t2 = performance.now();
    perImage.push({
      image: name,
      compressMs: Math.round(t1 - t0),
      decompressMs: Math.round(t2 - t1),
      bytes: bytes.length,
      bpp: +bppFromBytes(bytes, img.width, img.height).toFixed(4),
      psnr: +psnr(img, rec).toFixed(2),
    });
  }
  const { N, M } = codec.model.config;
  results.push({ arch, N, M, quality: codec.quality, ...source, perImage });
  codec.dispose();
  process.stderr.write(`bench/codec: ${arch} done\n`);
}

const ransOut = execFileSync(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'bench', 'codec-rans.ts'), ransSymbols, '3'], { cwd: PACKAGE_ROOT }).toString();

console.log(
  JSON.stringify(
    {
      bench: 'codec',
      engine: engine.name,
      threads: engineInfo().threads,
      cpus: cpus().length,
      node: process.version,
      code: codeVersion(),
      images: files.map((f) => basename(f)),
      note: 'times are wall clock of LearnedCodec.compress/decompress (padding, transforms, rANS, container); first image includes ORT session warm-up',
      results,
      rans: JSON.parse(ransOut) as unknown,
    },
    null,
    2,
  ),
);
