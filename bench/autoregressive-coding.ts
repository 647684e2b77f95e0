/**
 * Serial context coding speed of mbt2018 / cheng2020 at zoo sizes on one Kodak-size image
 * (512x768, y is 32x48): time of compress (g_a, hyper, serial encode) and decompress (hyper,
 * serial decode, g_s), and of the serial loops alone. Random weights, with g_a's last layer
 * scaled so that y is not all zeros (the context conv skips zero inputs). Prints JSON.
 *   node --import tsx bench/autoregressive-coding.ts [arch=mbt2018] [quality=1]
 */
import { initEngine, tf } from '../src/engine/index.js';
import { configForQuality, createModel } from '../src/models/registry.js';
import type { JointAutoregressiveHierarchicalPriors } from '../src/models/architectures/mbt2018.js';

const arch = process.argv[2] ?? 'mbt2018';
const quality = Number(process.argv[3] ?? 1);
const engine = await initEngine();
const config = configForQuality(arch, quality);
const model = createModel(config, { seed: 1 }) as JointAutoregressiveHierarchicalPriors;
const [H, W] = [512, 768];
const d = new Float32Array(H * W * 3);
for (let y = 0; y < H; y++)
  for (let x = 0; x < W; x++)
    for (let c = 0; c < 3; c++) d[(y * W + x) * 3 + c] = 0.5 + 0.4 * Math.sin((x * (c + 1)) / 23 + y / 31) * Math.cos(y / 41 - x / 57);
const x = tf.tensor4d(d, [1, H, W, 3]);
const rms = tf.tidy(() => Math.sqrt(tf.mean(tf.square(model.gA.apply(x))).dataSync()[0]!));
const sd = model.stateDict();
const last = [...sd.keys()].filter((k) => /^g_a\.\d+\.weight$/.test(k)).pop()!.replace(/\.weight$/, '');
for (const p of ['weight', 'bias']) {
  const t = sd.get(`${last}.${p}`)!;
  t.data = (t.data as Float32Array).map((v) => (v * 2) / rms);
}
model.loadStateDict(sd);
model.update();

let t0 = performance.now();
const enc = model.encode(x);
const compressMs = performance.now() - t0;
t0 = performance.now();
const out = model.decompress(enc.latents);
const decompressMs = performance.now() - t0;
t0 = performance.now();
model.decodeY(enc.latents);
const decodeYMs = performance.now() - t0;
const bytes = enc.latents.strings.reduce((a, s) => a + s.length, 0);
console.log(
  JSON.stringify({
    arch,
    quality,
    N: config.N,
    M: config.M,
    engine: engine.name,
    image: [H, W],
    positions: enc.height * enc.width,
    nonzeroSymbolFraction: enc.symbols.filter((v) => v !== 0).length / enc.symbols.length,
    bpp: (8 * bytes) / (H * W),
    compressMs: Math.round(compressMs),
    decompressMs: Math.round(decompressMs),
    hyperAndSerialDecodeMs: Math.round(decodeYMs),
  }),
);
tf.dispose([x, out]);
model.dispose();
