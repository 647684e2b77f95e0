import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { ParamStore } from '../../src/models/param-store.js';
import { seededRandom } from '../../src/models/init.js';
import { pixelShuffle } from '../../src/models/layers/pixel-shuffle.js';
import { SubpelConv3x3 } from '../../src/models/layers/subpixel-conv.js';
import { conv3x3 } from '../../src/models/layers/conv3x3.js';
import { MaskedConv2d } from '../../src/models/layers/masked-conv.js';
import { ResidualBlock } from '../../src/models/layers/residual-block.js';
import { ResidualBlockWithStride } from '../../src/models/layers/residual-block-with-stride.js';
import { ResidualBlockUpsample } from '../../src/models/layers/residual-block-upsample.js';
import { AttentionBlock } from '../../src/models/layers/attention-block.js';

before(async () => {
  await initEngine();
});

/** NHWC data → NCHW data. */
function toNchw(x: Float32Array, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let y = 0; y < h; y++) for (let i = 0; i < w; i++) for (let k = 0; k < c; k++) out[(k * h + y) * w + i] = x[(y * w + i) * c + k]!;
  return out;
}

/** torch.nn.PixelShuffle on NCHW data, straight from its definition. */
function torchPixelShuffle(x: Float32Array, c: number, h: number, w: number, r: number): Float32Array {
  const C = c / (r * r);
  const out = new Float32Array(x.length);
  for (let o = 0; o < C; o++)
    for (let y = 0; y < h * r; y++)
      for (let i = 0; i < w * r; i++) {
        const src = o * r * r + (y % r) * r + (i % r);
        out[(o * h * r + y) * w * r + i] = x[(src * h + Math.floor(y / r)) * w + Math.floor(i / r)]!;
      }
  return out;
}

/** torch Conv2d (NCHW, OIHW, symmetric zero padding p). */
function torchConv(x: Float32Array, c: number, h: number, w: number, wt: Float32Array, b: Float32Array, o: number, k: number, s: number, p: number) {
  const oh = Math.floor((h + 2 * p - k) / s) + 1;
  const ow = Math.floor((w + 2 * p - k) / s) + 1;
  const out = new Float32Array(o * oh * ow);
  for (let oc = 0; oc < o; oc++)
    for (let y = 0; y < oh; y++)
      for (let i = 0; i < ow; i++) {
        let acc = b[oc]!;
        for (let ic = 0; ic < c; ic++)
          for (let kh = 0; kh < k; kh++)
            for (let kw = 0; kw < k; kw++) {
              const yy = y * s + kh - p;
              const xx = i * s + kw - p;
              if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
              acc += wt[((oc * c + ic) * k + kh) * k + kw]! * x[(ic * h + yy) * w + xx]!;
            }
        out[(oc * oh + y) * ow + i] = acc;
      }
  return { out, oh, ow };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function randomInput(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const r = seededRandom(seed);
  return tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => r() * 2 - 1), shape);
}

test('pixelShuffle r=2 and r=3 equal torch.nn.PixelShuffle', () => {
  for (const [r, c, h, w] of [
    [2, 12, 3, 5],
    [3, 18, 2, 4],
  ] as const) {
    const x = randomInput([1, h, w, c], r);
    const y = pixelShuffle(x, r);
    assert.deepEqual(y.shape, [1, h * r, w * r, c / (r * r)]);
    const ref = torchPixelShuffle(toNchw(x.dataSync() as Float32Array, h, w, c), c, h, w, r);
    assert.deepEqual(toNchw(y.dataSync() as Float32Array, h * r, w * r, c / (r * r)), ref);
    tf.dispose([x, y]);
  }
});

test('subpel conv: weights in torch channel order, differentiable', () => {
  const store = new ParamStore();
  const layer = new SubpelConv3x3(store, 'h_s.2', 4, 3, 2, seededRandom(1));
  const sd = store.stateDict();
  assert.deepEqual([...sd.keys()], ['h_s.2.0.weight', 'h_s.2.0.bias']);
  assert.deepEqual(sd.get('h_s.2.0.weight')!.shape, [12, 4, 3, 3]);
  const x = randomInput([1, 5, 6, 4], 2);
  const y = layer.apply(x);
  const conv = torchConv(toNchw(x.dataSync() as Float32Array, 5, 6, 4), 4, 5, 6, sd.get('h_s.2.0.weight')!.data as Float32Array, sd.get('h_s.2.0.bias')!.data as Float32Array, 12, 3, 1, 1);
  const ref = torchPixelShuffle(conv.out, 12, 5, 6, 2);
  assert.ok(maxAbsDiff(toNchw(y.dataSync() as Float32Array, 10, 12, 3), ref) < 1e-5);
  const g = tf.grad((t: tf.Tensor4D) => tf.sum(tf.square(layer.apply(t))))(x);
  assert.deepEqual(g.shape, x.shape);
  assert.ok(tf.sum(tf.abs(g)).dataSync()[0]! > 0);
  tf.dispose([x, y, g]);
  store.dispose();
});

test('conv3x3 stride 2 pads like torch (1 on every side), not like tf "same"', () => {
  const store = new ParamStore();
  const conv = conv3x3(store, 'c', 3, 5, 2, seededRandom(3));
  const sd = store.stateDict();
  const x = randomInput([1, 8, 6, 3], 4);
  const y = conv.apply(x);
  assert.deepEqual(y.shape, [1, 4, 3, 5]);
  const ref = torchConv(toNchw(x.dataSync() as Float32Array, 8, 6, 3), 3, 8, 6, sd.get('c.weight')!.data as Float32Array, sd.get('c.bias')!.data as Float32Array, 5, 3, 2, 1);
  assert.ok(maxAbsDiff(toNchw(y.dataSync() as Float32Array, 4, 3, 5), ref.out) < 1e-5);
  tf.dispose([x, y]);
  store.dispose();
});

test('MaskedConv2d type A: mask buffer, causal output, equals the masked torch conv', () => {
  const store = new ParamStore();
  const mc = new MaskedConv2d(store, 'context_prediction', 3, 6, 5, 'A', seededRandom(5));
  const sd = store.stateDict();
  assert.deepEqual([...sd.keys()], ['context_prediction.weight', 'context_prediction.bias', 'context_prediction.mask']);
  const mask = sd.get('context_prediction.mask')!;
  assert.equal(mask.dtype, 'float32');
  assert.deepEqual(mask.shape, [6, 3, 5, 5]);
  // 12 of 25 taps open per (out, in) pair: two full rows and two to the left of the centre.
  assert.equal((mask.data as Float32Array).reduce((a, b) => a + b, 0), 6 * 3 * 12);
  const x = randomInput([1, 6, 7, 3], 6);
  const y = mc.apply(x);
  const w = sd.get('context_prediction.weight')!.data as Float32Array;
  const masked = w.map((v, i) => v * mask.data[i]!);
  const ref = torchConv(toNchw(x.dataSync() as Float32Array, 6, 7, 3), 3, 6, 7, masked, sd.get('context_prediction.bias')!.data as Float32Array, 6, 5, 1, 2);
  assert.ok(maxAbsDiff(toNchw(y.dataSync() as Float32Array, 6, 7, 6), ref.out) < 1e-5);
  // Changing the input at (3,4) leaves every output at or before (3,4) in raster order unchanged.
  const xd = x.dataSync().slice() as Float32Array;
  for (let c = 0; c < 3; c++) xd[(3 * 7 + 4) * 3 + c] += 10;
  const y2 = mc.apply(tf.tensor4d(xd, x.shape));
  const a = y.dataSync();
  const b = y2.dataSync();
  for (let y0 = 0; y0 < 6; y0++)
    for (let x0 = 0; x0 < 7; x0++) {
      const p = y0 * 7 + x0;
      const changed = [0, 1, 2, 3, 4, 5].some((c) => a[p * 6 + c] !== b[p * 6 + c]);
      // (3,4) is a causal tap of (y0,x0): one or two rows above within ±2 columns, or 1-2 to the left.
      const dy = y0 - 3;
      const dx = x0 - 4;
      const seen = ((dy === 1 || dy === 2) && Math.abs(dx) <= 2) || (dy === 0 && (dx === 1 || dx === 2));
      assert.equal(changed, seen, `position (${y0},${x0})`);
    }
  // Loading a different (type B) mask takes effect.
  const sdB = store.stateDict();
  sdB.set('context_prediction.mask', { shape: [6, 3, 5, 5], dtype: 'float32', data: MaskedConv2d.typeMask(6, 3, 5, 'B') });
  store.loadStateDict(sdB);
  assert.equal(mc.maskHwio().reduce((s, v) => s + v, 0), 6 * 3 * 13);
  tf.dispose([x, y, y2]);
  mc.dispose();
  store.dispose();
});

test('residual and attention blocks: CompressAI keys and shapes', () => {
  const store = new ParamStore();
  const r = seededRandom(7);
  const blocks = [
    new ResidualBlockWithStride(store, 'g_a.0', 3, 8, 2, r),
    new ResidualBlock(store, 'g_a.1', 8, 8, r),
    new AttentionBlock(store, 'g_a.3', 8, r),
    new ResidualBlockUpsample(store, 'g_s.1', 8, 4, 2, r),
    new ResidualBlock(store, 'g_s.2', 4, 6, r),
  ];
  const keys = [...store.stateDict().keys()];
  for (const k of [
    'g_a.0.conv1.weight',
    'g_a.0.conv2.bias',
    'g_a.0.gdn.beta',
    'g_a.0.gdn.gamma',
    'g_a.0.skip.weight',
    'g_a.1.conv1.weight',
    'g_a.3.conv_a.0.conv.0.weight',
    'g_a.3.conv_a.2.conv.2.weight',
    'g_a.3.conv_b.2.conv.4.bias',
    'g_a.3.conv_b.3.weight',
    'g_s.1.subpel_conv.0.weight',
    'g_s.1.conv.weight',
    'g_s.1.igdn.beta',
    'g_s.1.upsample.0.weight',
    'g_s.2.skip.weight',
  ])
    assert.ok(keys.includes(k), k);
  assert.ok(!keys.includes('g_a.1.skip.weight'));
  const sd = store.stateDict();
  assert.deepEqual(sd.get('g_a.3.conv_a.0.conv.2.weight')!.shape, [4, 4, 3, 3]);
  assert.deepEqual(sd.get('g_s.1.upsample.0.weight')!.shape, [16, 8, 3, 3]);
  const x = randomInput([1, 8, 8, 3], 8);
  const shapes: number[][] = [];
  const out = blocks.reduce((h, b) => {
    const y = b.apply(h);
    shapes.push(y.shape);
    return y;
  }, x);
  assert.deepEqual(shapes, [
    [1, 4, 4, 8],
    [1, 4, 4, 8],
    [1, 4, 4, 8],
    [1, 8, 8, 4],
    [1, 8, 8, 6],
  ]);
  assert.ok(Number.isFinite(tf.sum(out).dataSync()[0]!));
  store.dispose();
});

test('AttentionBlock equals a plain reference: x + a(x)·sigmoid(b(x))', () => {
  const store = new ParamStore();
  const N = 4;
  const att = new AttentionBlock(store, 'g_s.0', N, seededRandom(9));
  const sd = store.stateDict();
  const x = randomInput([1, 3, 3, N], 10);
  const xn = toNchw(x.dataSync() as Float32Array, 3, 3, N);
  const conv = (key: string, inp: Float32Array, ci: number, co: number, k: number) =>
    torchConv(inp, ci, 3, 3, sd.get(`${key}.weight`)!.data as Float32Array, sd.get(`${key}.bias`)!.data as Float32Array, co, k, 1, (k - 1) / 2).out;
  const relu = (a: Float32Array) => a.map((v) => Math.max(0, v));
  const unit = (key: string, inp: Float32Array) => {
    const h = conv(`${key}.conv.4`, relu(conv(`${key}.conv.2`, relu(conv(`${key}.conv.0`, inp, N, N / 2, 1)), N / 2, N / 2, 3)), N / 2, N, 1);
    return relu(h.map((v, i) => v + inp[i]!));
  };
  let a = xn;
  let b = xn;
  for (const i of [0, 1, 2]) {
    a = unit(`g_s.0.conv_a.${i}`, a);
    b = unit(`g_s.0.conv_b.${i}`, b);
  }
  b = conv('g_s.0.conv_b.3', b, N, N, 1);
  const ref = a.map((v, i) => v * (1 / (1 + Math.exp(-b[i]!))) + xn[i]!);
  const y = att.apply(x);
  assert.ok(maxAbsDiff(toNchw(y.dataSync() as Float32Array, 3, 3, N), ref) < 1e-5);
  tf.dispose([x, y]);
  store.dispose();
});

/** CompressAI's GDN on NCHW data from the raw state-dict values (NonNegativeParametrizer). */
function torchGdn(x: Float32Array, c: number, hw: number, sd: Map<string, { data: Float32Array | Int32Array }>, key: string, inverse: boolean) {
  const eff = (raw: ArrayLike<number>, reparam: string) => {
    const bound = sd.get(`${key}.${reparam}.lower_bound.bound`)!.data[0]!;
    const pedestal = sd.get(`${key}.${reparam}.pedestal`)!.data[0]!;
    return Array.from(raw, (v) => Math.max(v, bound) ** 2 - pedestal);
  };
  const beta = eff(sd.get(`${key}.beta`)!.data, 'beta_reparam');
  const gamma = eff(sd.get(`${key}.gamma`)!.data, 'gamma_reparam');
  const out = new Float32Array(x.length);
  for (let i = 0; i < c; i++)
    for (let p = 0; p < hw; p++) {
      let norm = beta[i]!;
      for (let j = 0; j < c; j++) norm += gamma[i * c + j]! * x[j * hw + p]! ** 2;
      out[i * hw + p] = inverse ? x[i * hw + p]! * Math.sqrt(norm) : x[i * hw + p]! / Math.sqrt(norm);
    }
  return out;
}

test('ResidualBlockWithStride and ResidualBlockUpsample equal plain torch-semantics references', () => {
  const store = new ParamStore();
  const r = seededRandom(11);
  const down = new ResidualBlockWithStride(store, 'd', 3, 4, 2, r);
  const up = new ResidualBlockUpsample(store, 'u', 4, 3, 2, r);
  const sd = store.stateDict();
  // Non-trivial GDN parameters (the defaults are nearly an identity).
  for (const k of ['d.gdn.gamma', 'u.igdn.gamma', 'd.gdn.beta', 'u.igdn.beta']) {
    const t = sd.get(k)!;
    t.data = (t.data as Float32Array).map((v, i) => v + 0.3 * Math.abs(Math.sin(i + 1)));
  }
  store.loadStateDict(sd);
  const W = (k: string) => sd.get(k)!.data as Float32Array;
  const leaky = (a: Float32Array) => a.map((v) => (v < 0 ? v * 0.01 : v));
  const x = randomInput([1, 6, 8, 3], 12);
  const xn = toNchw(x.dataSync() as Float32Array, 6, 8, 3);
  // Down: conv1 (s2) → LReLU → conv2 → GDN, + 1x1 s2 skip.
  const c1 = torchConv(xn, 3, 6, 8, W('d.conv1.weight'), W('d.conv1.bias'), 4, 3, 2, 1);
  const c2 = torchConv(leaky(c1.out), 4, 3, 4, W('d.conv2.weight'), W('d.conv2.bias'), 4, 3, 1, 1);
  const skip = torchConv(xn, 3, 6, 8, W('d.skip.weight'), W('d.skip.bias'), 4, 1, 2, 0);
  const dRef = torchGdn(c2.out, 4, 12, sd, 'd.gdn', false).map((v, i) => v + skip.out[i]!);
  const d = down.apply(x);
  assert.ok(maxAbsDiff(toNchw(d.dataSync() as Float32Array, 3, 4, 4), dRef) < 1e-5);
  // Up: subpel → LReLU → conv → IGDN, + subpel `upsample`.
  const sub = (key: string, inp: Float32Array) =>
    torchPixelShuffle(torchConv(inp, 4, 3, 4, W(`${key}.0.weight`), W(`${key}.0.bias`), 12, 3, 1, 1).out, 12, 3, 4, 2);
  const s1 = sub('u.subpel_conv', dRef);
  const cv = torchConv(leaky(s1), 3, 6, 8, W('u.conv.weight'), W('u.conv.bias'), 3, 3, 1, 1);
  const upRef = torchGdn(cv.out, 3, 48, sd, 'u.igdn', true).map((v, i) => v + sub('u.upsample', dRef)[i]!);
  const u = up.apply(d);
  assert.ok(maxAbsDiff(toNchw(u.dataSync() as Float32Array, 6, 8, 3), upRef) < 1e-4);
  tf.dispose([x, d, u]);
  store.dispose();
});

test('ResidualBlock equals its torch-semantics reference (identity and 1x1 skip)', () => {
  const store = new ParamStore();
  const r = seededRandom(13);
  const same = new ResidualBlock(store, 'a', 4, 4, r);
  const wider = new ResidualBlock(store, 'b', 4, 6, r);
  const sd = store.stateDict();
  const W = (k: string) => sd.get(k)!.data as Float32Array;
  const leaky = (a: Float32Array) => a.map((v) => (v < 0 ? v * 0.01 : v));
  const x = randomInput([1, 5, 3, 4], 14);
  const xn = toNchw(x.dataSync() as Float32Array, 5, 3, 4);
  const ref = (key: string, out: number, skip: Float32Array) => {
    const h = leaky(torchConv(xn, 4, 5, 3, W(`${key}.conv1.weight`), W(`${key}.conv1.bias`), out, 3, 1, 1).out);
    return leaky(torchConv(h, out, 5, 3, W(`${key}.conv2.weight`), W(`${key}.conv2.bias`), out, 3, 1, 1).out).map((v, i) => v + skip[i]!);
  };
  const ya = same.apply(x);
  const yb = wider.apply(x);
  assert.ok(maxAbsDiff(toNchw(ya.dataSync() as Float32Array, 5, 3, 4), ref('a', 4, xn)) < 1e-5);
  const skip = torchConv(xn, 4, 5, 3, W('b.skip.weight'), W('b.skip.bias'), 6, 1, 1, 0).out;
  assert.ok(maxAbsDiff(toNchw(yb.dataSync() as Float32Array, 5, 3, 6), ref('b', 6, skip)) < 1e-5);
  tf.dispose([x, ya, yb]);
  store.dispose();
});
