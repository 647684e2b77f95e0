/**
 * Same-process A/B of single layer ops at the attack step's shapes: thresholds as they are (A)
 * alternated with some of them changed (B), wall and process CPU time per call.
 *   MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 node --import tsx bench/layer-ab.ts <key=value>... [--reps 9]
 * Ops: the 5x5 stride-2 128→128 transposed conv + bias from 128x192 and 64x96 (the polyphase
 * path, as g_s and the encoder's input gradients run it), the strided convs + bias from 256x384
 * and from the 512x768 RGB image,
 * and GDN forward + input gradient on 256x384x128.
 */
import { initEngine, tf } from '../src/engine/index.js';
import { thresholds } from '../src/engine/ort/thresholds.js';
import { thresholdArgs } from './threshold-args.js';
import { conv2dBias, conv2dTransposeBias } from '../src/engine/ops/conv.js';
import { gdn } from '../src/engine/ops/gdn.js';

const { reps, base, changes } = thresholdArgs(9);
await initEngine({ engine: 'ort' });

const u = (shape: number[], r: number, seed: number) => tf.randomUniform(shape, -r, r, 'float32', seed);
const f = u([5, 5, 128, 128], 0.05, 2) as tf.Tensor4D;
const b = u([128], 0.05, 3) as tf.Tensor1D;
const y128 = u([1, 128, 192, 128], 1, 4) as tf.Tensor4D;
const y64 = u([1, 64, 96, 128], 1, 5) as tf.Tensor4D;
const x256 = u([1, 256, 384, 128], 1, 6) as tf.Tensor4D;
const x3 = u([1, 512, 768, 3], 1, 8) as tf.Tensor4D;
const f3 = u([5, 5, 3, 128], 0.1, 9) as tf.Tensor4D;
const beta = tf.ones([128]) as tf.Tensor1D;
const gamma = tf.add(tf.mul(tf.eye(128), 0.1), tf.randomUniform([128, 128], 0, 0.001, 'float32', 7)) as tf.Tensor2D;
const ops: Record<string, () => void> = {
  'convT 128x192->256x384': () => tf.tidy(() => conv2dTransposeBias(y128, f, [1, 256, 384, 128], 2, 'same', b)).dispose(),
  'convT 64x96->128x192': () => tf.tidy(() => conv2dTransposeBias(y64, f, [1, 128, 192, 128], 2, 'same', b)).dispose(),
  'conv 256x384->128x192': () => tf.tidy(() => conv2dBias(x256, f, b, 2, 'same')).dispose(),
  'conv 3ch 512x768->256x384': () => tf.tidy(() => conv2dBias(x3, f3, b, 2, 'same')).dispose(),
  'gdn+dx 256x384': () => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(gdn(t as tf.Tensor4D, beta, gamma, false)))(x256)).dispose(),
};
const t: Record<string, Record<'A' | 'B', Array<[number, number]>>> = {};
for (let r = 0; r <= reps; r++) {
  for (const side of (r % 2 ? ['B', 'A'] : ['A', 'B']) as Array<'A' | 'B'>) {
    Object.assign(thresholds, side === 'A' ? base : changes);
    for (const [name, op] of Object.entries(ops)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      op();
      const c = process.cpuUsage(c0);
      if (r) ((t[name] ??= { A: [], B: [] })[side]).push([performance.now() - t0, (c.user + c.system) / 1000]);
    }
  }
}
const med = (v: number[]) => { const s = [...v].sort((p, q) => p - q); return Math.round(10 * s[s.length >> 1]!) / 10; };
const rows = Object.entries(t).map(([op, s]) => ({
  op,
  A: { wallMs: med(s.A.map((v) => v[0])), cpuMs: med(s.A.map((v) => v[1])) },
  B: { wallMs: med(s.B.map((v) => v[0])), cpuMs: med(s.B.map((v) => v[1])) },
}));
console.log(JSON.stringify({ date: new Date().toISOString(), reps, A: base, B: changes, medians: rows }, null, 1));
