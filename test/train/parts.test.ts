import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, tf } from '../../src/engine/index.js';
import { AdvlicError } from '../../src/errors.js';
import { Rng } from '../../src/train/rng.js';
import { sampleBatch } from '../../src/train/crop-sampler.js';
import { LrSchedule, parseSchedule } from '../../src/train/lr-schedule.js';
import { readCheckpointFile, writeCheckpointFile } from '../../src/train/checkpoint-file.js';
import { clipScale } from '../../src/train/clip-grads.js';
import { Adam } from '../../src/train/adam.js';

test('rng: same seed same stream, state round-trips, streams differ', () => {
  const a = Rng.fromSeed(7);
  const b = Rng.fromSeed(7);
  const xs = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.nextUint32()));
  const saved = a.state();
  const next = a.next();
  assert.equal(Rng.fromState(saved).next(), next);
  assert.notEqual(Rng.fromSeed(7, 1).nextUint32(), Rng.fromSeed(7, 2).nextUint32());
  const u = Rng.fromSeed(1);
  let mean = 0;
  for (let i = 0; i < 10000; i++) mean += u.next() / 10000;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
  assert.throws(() => Rng.fromState([1, 2, 3]), RangeError);
});

test('crop sampler: crops come from the image, flips mirror rows, deterministic', () => {
  // 4x3 image whose pixel (x, y) has value R = 10y + x.
  const w = 4;
  const h = 3;
  const pixels = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels.fill(10 * y + x, (y * w + x) * 3, (y * w + x) * 3 + 3);
  const images = [{ name: 'a', width: w, height: h, pixels }];
  const batch = sampleBatch(images, Rng.fromSeed(3), { batch: 64, crop: 2, flip: true });
  assert.deepEqual(batch, sampleBatch(images, Rng.fromSeed(3), { batch: 64, crop: 2, flip: true }));
  let flipped = 0;
  for (let b = 0; b < 64; b++) {
    const v = (i: number) => Math.round(batch[b * 12 + i * 3]! * 255);
    const [p00, p01, p10] = [v(0), v(1), v(2)];
    assert.equal(p10 - p00, 10, 'rows are consecutive image rows');
    assert.equal(Math.abs(p01 - p00), 1, 'columns are adjacent');
    if (p01 < p00) flipped++;
  }
  assert.ok(flipped > 10 && flipped < 54, `flipped ${flipped}/64`);
});

test('lr schedule: step decay, plateau with patience, state round-trip, parse errors', () => {
  const s = new LrSchedule(parseSchedule('step:10:0.5', 1e-3), 1e-3);
  s.afterStep(9);
  assert.equal(s.lr, 1e-3);
  s.afterStep(20);
  assert.equal(s.lr, 2.5e-4);
  const p = new LrSchedule(parseSchedule('plateau:1:0.1', 1), 1);
  assert.equal(p.afterValidation(5), false);
  assert.equal(p.afterValidation(5), false); // 1 bad evaluation: within patience
  assert.equal(p.afterValidation(6), true); // 2 bad: lowered
  assert.ok(Math.abs(p.lr - 0.1) < 1e-12);
  const q = new LrSchedule(p.spec, 1, p.state());
  assert.deepEqual(q.state(), p.state());
  for (const bad of ['step', 'step:x', 'plateau:1:2', 'cosine']) assert.throws(() => parseSchedule(bad, 1), AdvlicError);
});

test('checkpoint file: round-trip, truncation and bit flips refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'advlic-ckpt-'));
  try {
    const path = join(dir, 'a.ckpt');
    const tensors = new Map([
      ['w', { dtype: 'float32' as const, shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) }],
      ['i', { dtype: 'int32' as const, shape: [1], data: new Int32Array([-7]) }],
    ]);
    await writeCheckpointFile(path, { state: { step: 12, note: 'x' }, tensors });
    const back = await readCheckpointFile<{ step: number }>(path);
    assert.equal(back.state.step, 12);
    assert.deepEqual(Array.from(back.tensors.get('w')!.data), [1, 2, 3, 4, 5, 6.5]);
    assert.deepEqual(back.tensors.get('w')!.shape, [2, 3]);
    assert.equal(back.tensors.get('i')!.data[0], -7);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 10));
    await assert.rejects(readCheckpointFile(path), (e: unknown) => AdvlicError.is(e) && e.code === 'E_CHECKPOINT' && /corrupt or truncated/.test(e.message));
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 40]! ^= 1;
    await writeFile(path, flipped);
    await assert.rejects(readCheckpointFile(path), /SHA-256 mismatch/);
    await writeFile(path, 'hello');
    await assert.rejects(readCheckpointFile(path), /not an advlic training checkpoint/);
    await assert.rejects(readCheckpointFile(join(dir, 'missing')), /no such file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('clip scale: global norm over all gradients, capped at 1', async () => {
  await initEngine();
  const g = { a: tf.tensor([3, 0]), b: tf.tensor([[4]]) }; // norm 5
  const { scale, norm } = clipScale(g, 1);
  assert.ok(Math.abs(norm - 5) < 1e-9);
  assert.ok(Math.abs(scale - 0.2) < 1e-6);
  assert.equal(clipScale(g, 10).scale, 1);
  assert.equal(clipScale(g, 0).scale, 1);
  tf.dispose([g.a, g.b]);
});

test('adam: matches the PyTorch update rule computed by hand; state round-trips exactly', async () => {
  await initEngine();
  const p = tf.variable(tf.tensor([1, -2]), true);
  const opt = new Adam(new Map([['p', p]]), { lr: 0.1 });
  // Hand computation in float64: minimise sum(p^2), gradient 2p.
  let ref = [1, -2];
  let m = [0, 0];
  let v = [0, 0];
  for (let t = 1; t <= 3; t++) {
    const g = tf.mul(p, 2);
    opt.apply({ p: g });
    g.dispose();
    const gr = ref.map((x) => 2 * x);
    m = m.map((mi, i) => 0.9 * mi + 0.1 * gr[i]!);
    v = v.map((vi, i) => 0.999 * vi + 0.001 * gr[i]! ** 2);
    ref = ref.map((x, i) => x - (0.1 / (1 - 0.9 ** t)) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(1 - 0.999 ** t) + 1e-8)));
  }
  const got = Array.from(p.dataSync());
  got.forEach((x, i) => assert.ok(Math.abs(x - ref[i]!) < 1e-5, `${x} vs ${ref[i]}`));
  const state = opt.exportState();
  assert.equal(state.step, 3);
  const q = tf.variable(tf.tensor(got), true);
  const opt2 = new Adam(new Map([['q', q]]), { lr: 0.1 });
  assert.throws(() => opt2.importState(state), /no m for parameter q/);
  const opt3 = new Adam(new Map([['p', q]]), { lr: 0.1 });
  opt3.importState(state);
  const g1 = tf.mul(p, 2);
  const g2 = tf.mul(q, 2);
  opt.apply({ p: g1 });
  opt3.apply({ p: g2 });
  assert.deepEqual(Array.from(q.dataSync()), Array.from(p.dataSync()));
  // gradScale folds clipping in: scale 0.5 on g equals the plain update with g / 2.
  const r1 = tf.variable(tf.tensor([0.3, -0.7]), true);
  const r2 = tf.variable(tf.tensor([0.3, -0.7]), true);
  const o1 = new Adam(new Map([['r', r1]]), { lr: 0.01 });
  const o2 = new Adam(new Map([['r', r2]]), { lr: 0.01 });
  const gFull = tf.tensor([0.8, 0.2]);
  const gHalf = tf.tensor([0.4, 0.1]);
  o1.apply({ r: gFull }, 0.5);
  o1.apply({ r: gFull }, 0.5);
  o2.apply({ r: gHalf });
  o2.apply({ r: gHalf });
  assert.deepEqual(Array.from(r1.dataSync()), Array.from(r2.dataSync()));
  tf.dispose([r1, r2, gFull, gHalf]);
  tf.dispose([g1, g2, p, q]);
  opt.dispose();
  opt2.dispose();
  opt3.dispose();
});
