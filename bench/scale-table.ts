/**
 * What a finer Gaussian-conditional scale table costs and saves on a shipped model: for each
 * table size, the CDF build time (paid once per model load, in update()), the index time per
 * latent, the real bpp and the encode / decode time on Kodak images. Same weights throughout, so
 * the reconstructions are identical; only the bits move.
 * Usage: node --import tsx bench/scale-table.ts [--model bmshj2018-hyperprior@4] [--levels 64,128,256,512]
 *        [--images 3]
 * Prints one JSON document: { model, images, results: [{ levels, cdfBuildMs, indexNsPerLatent, bpp, encodeMs, decodeMs }] }.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/index.js';
import { resolveCodec } from '../src/codec/resolve.js';
import { LearnedCodec } from '../src/codec/learned-codec.js';
import { readImage } from '../src/image/read.js';
import { defaultScaleTable, float16ScaleTable } from '../src/models/entropy/scale-table.js';
import type { GaussianConditional } from '../src/models/entropy/gaussian-conditional.js';
import { SHARED_DIR } from '../src/shared-data.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: 'bmshj2018-hyperprior@4' },
    levels: { type: 'string', default: '64,128,256,512' },
    images: { type: 'string', default: '3' },
  },
});

await initEngine();
const codec = await resolveCodec(a.model);
if (!(codec instanceof LearnedCodec) || !codec.model.gaussianConditional) throw new Error(`${a.model}: not a learned model with a Gaussian conditional`);
const gc = codec.model.gaussianConditional as GaussianConditional;
const kodak = join(SHARED_DIR, 'data', 'kodak');
const files = readdirSync(kodak).filter((f) => f.endsWith('.png')).sort().slice(0, Number(a.images));
const images = await Promise.all(files.map((f) => readImage(join(kodak, f))));
const pixels = images.reduce((s, i) => s + i.width * i.height, 0);

// Scales as a trained hyperprior predicts them: mostly near the lower bound, a long tail.
let seed = 7;
const uniform = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
const scales = Float32Array.from({ length: 1_000_000 }, () => 0.11 * Math.exp(uniform() ** 2 * 6));

const results = [];
for (const levels of a.levels.split(',').map(Number)) {
  const table = levels === 64 ? defaultScaleTable() : float16ScaleTable(levels);
  const t0 = performance.now();
  gc.setScaleTable(table);
  const cdfBuildMs = performance.now() - t0;
  const t1 = performance.now();
  gc.buildIndexes(scales);
  const indexNsPerLatent = ((performance.now() - t1) * 1e6) / scales.length;
  let bytes = 0;
  let encodeMs = 0;
  let decodeMs = 0;
  for (const img of images) {
    const e0 = performance.now();
    const bits = await codec.compress(img);
    encodeMs += performance.now() - e0;
    const d0 = performance.now();
    await codec.decompress(bits);
    decodeMs += performance.now() - d0;
    bytes += bits.length;
  }
  results.push({ levels, cdfBuildMs: +cdfBuildMs.toFixed(1), indexNsPerLatent: +indexNsPerLatent.toFixed(1), bpp: +((bytes * 8) / pixels).toFixed(5), encodeMs: Math.round(encodeMs / images.length), decodeMs: Math.round(decodeMs / images.length) });
}
console.log(JSON.stringify({ model: a.model, images: files, results }, null, 2));
