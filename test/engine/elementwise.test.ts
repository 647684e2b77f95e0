import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { thresholds } from '../../src/engine/ort/thresholds.js';
import { ortRunCount } from '../../src/engine/ort/runtime.js';
import { compareEngines, rand } from './compare.js';

const saved = { ...thresholds };
before(() => Object.assign(thresholds, { convMacs: 0, matmulMacs: 0, elements: 0 }));
after(() => Object.assign(thresholds, saved));

const TOL = 1e-4;
const SHAPE = [2, 7, 9, 5];

async function expectMatch(name: string, f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const before = ortRunCount();
  const err = await compareEngines(f);
  assert.ok(err < TOL, `${name}: max rel error ${err}`);
  assert.ok(ortRunCount() > before, `${name}: ORT kernel did not run`);
}

const UNARY: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  square: (x) => tf.square(x),
  sqrt: (x) => tf.sqrt(x.abs()),
  rsqrt: (x) => tf.rsqrt(x.abs().add(0.1)),
  reciprocal: (x) => tf.reciprocal(x.abs().add(0.1)),
  exp: (x) => tf.exp(x),
  log: (x) => tf.log(x.abs().add(0.01)),
  sigmoid: (x) => tf.sigmoid(x.mul(10)),
  softplus: (x) => tf.softplus(x.mul(30)),
  erf: (x) => tf.erf(x.mul(3)),
  abs: (x) => tf.abs(x),
  relu: (x) => tf.relu(x),
  leakyRelu: (x) => tf.leakyRelu(x, 0.1),
  tanh: (x) => tf.tanh(x.mul(3)),
  neg: (x) => tf.neg(x),
  round: (x) => tf.round(x.mul(5)),
  sign: (x) => tf.sign(x),
  floor: (x) => tf.floor(x.mul(5)),
};

for (const [name, op] of Object.entries(UNARY)) {
  test(`unary ${name} matches cpu`, async () => {
    await expectMatch(name, () => op(rand(SHAPE, 21)));
  });
}

test('round is half-to-even on exact halves, like TF.js', async () => {
  await expectMatch('round halves', () => tf.round(tf.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5])));
});

const BINARY: Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b.abs().add(0.1)),
  maximum: (a, b) => tf.maximum(a, b),
  minimum: (a, b) => tf.minimum(a, b),
  pow: (a, b) => tf.pow(a.abs().add(0.1), b.mul(2)),
  squaredDifference: (a, b) => tf.squaredDifference(a, b),
};

// Broadcasting as the models use it: per-channel vectors, scalars, and both sides expanding.
const SHAPES: Array<[number[], number[]]> = [
  [SHAPE, SHAPE],
  [SHAPE, [5]],
  [[5], SHAPE],
  [SHAPE, []],
  [[2, 1, 9, 5], [1, 7, 1, 1]],
];

for (const [name, op] of Object.entries(BINARY)) {
  test(`binary ${name} matches cpu with broadcasting`, async () => {
    await expectMatch(name, () => SHAPES.map(([sa, sb], i) => op(rand(sa, 30 + i), rand(sb, 40 + i))));
  });
}

test('reductions sum/mean/max/min over inner, outer and several axes match cpu', async () => {
  await expectMatch('reduce', () => {
    const x = rand(SHAPE, 50);
    return [
      x.sum(), x.sum([0, 1, 2]), x.sum(1, true), x.mean([1, 2]), x.mean(-1, true),
      x.max(0), x.min([2, 3]),
    ];
  });
});

test('sums and means over leading axes (bias gradients: grouped float32 then float64) match cpu', async () => {
  await expectMatch('leading reduce', () => {
    const x = rand([4, 16, 12, 24], 51, 0.5, 1.5); // 768 rows of 24: groups of 64
    const y = rand([2, 17, 3, 8], 52); // 102 rows: groups of 51
    const z = rand([1, 13, 7, 8], 53); // 91 rows: no divisor ≥ 16, float64 path
    return [x.sum([0, 1, 2]), x.mean([0, 1, 2], true), x.sum([0, 1]), y.sum([0, 1, 2]), y.mean([0, 1]), z.sum([0, 1, 2])];
  });
});

test('addN, transpose and pad match cpu', async () => {
  await expectMatch('misc', () => {
    const a = rand(SHAPE, 60);
    const b = rand(SHAPE, 61);
    const c = rand(SHAPE, 62);
    return [tf.addN([a, b, c]), a.transpose([0, 3, 1, 2]), tf.pad(a, [[0, 0], [1, 2], [3, 0], [0, 0]], 0.5)];
  });
});

test('float32 tensors backed by Int32Array (after cast) are converted before ORT', async () => {
  await expectMatch('cast', () => {
    const i = tf.tensor(Array.from({ length: 40 }, (_, k) => k - 20), [40], 'int32');
    const f = tf.cast(i, 'float32');
    return [f.mul(rand([40], 70)), f.square()];
  });
});

test('gradients through a unary/binary chain match cpu', async () => {
  await expectMatch('grad chain', () => {
    const x = rand(SHAPE, 80);
    const beta = rand([5], 81, 0.5, 1);
    const f = (t: tf.Tensor, bb: tf.Tensor): tf.Scalar =>
      tf.sigmoid(t).mul(tf.rsqrt(t.square().add(bb))).add(tf.softplus(t).sub(t.exp().mul(0.1))).mean();
    return tf.grads(f)([x, beta]);
  });
});

test('sum and mean of a Kodak-size map are exact to float32 rounding (float64 accumulation)', async () => {
  await initEngine({ engine: 'ort' });
  const x = tf.fill([1, 512, 768, 3], 0.99531);
  try {
    const m = await tf.mean(x, [1, 2]).data();
    for (const v of m) assert.ok(Math.abs(v - 0.99531) < 1e-6, `mean over H,W = ${v}`);
    const s = (await tf.sum(x).data())[0]! / x.size;
    assert.ok(Math.abs(s - 0.99531) < 1e-6, `sum / n = ${s}`);
  } finally {
    x.dispose();
  }
});
