import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { initEngine, tf } from '../../src/engine/index.js';
import { sampleBatch } from '../../src/train/crop-sampler.js';
import { loadImageFolder, type CachedImage } from '../../src/train/image-folder.js';
import { rdLoss } from '../../src/train/rd-loss.js';
import { Rng } from '../../src/train/rng.js';
import { AdvlicError } from '../../src/errors.js';
import { Trainer } from '../../src/train/trainer.js';
import { loadWeightsFile } from '../../src/models/weights/load.js';
import type { MetricsRow } from '../../src/train/metrics-log.js';
import { tinyConfig, writeSyntheticImages } from './fixtures/synthetic.js';

let root: string;
let data: string;

before(async () => {
  await initEngine();
  root = await mkdtemp(join(tmpdir(), 'advlic-train-'));
  data = join(root, 'images');
  await writeSyntheticImages(data);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function runSteps(trainer: Trainer, n: number): Promise<MetricsRow[]> {
  const rows: MetricsRow[] = [];
  for (let i = 0; i < n; i++) {
    trainer.trainStep();
    rows.push((await trainer.sync())!);
  }
  return rows;
}

/** RD loss of the model on a fixed batch with rounding (deterministic, unlike training batches). */
function fixedBatchLoss(trainer: Trainer, images: CachedImage[]): number {
  return tf.tidy(() => {
    const x = tf.tensor4d(sampleBatch(images, Rng.fromSeed(99), { batch: 2, crop: 64, flip: false }), [2, 64, 64, 3]);
    return rdLoss(trainer.model.forward(x, 'round'), x, trainer.cfg.lambda, 'mse').loss.dataSync()[0]!;
  });
}

test('a few training steps lower the RD loss', async () => {
  const t = await Trainer.create(tinyConfig(data, join(root, 'lower'), { lr: 1e-2, crop: 64, batch: 1 }));
  try {
    const { images } = await loadImageFolder(data);
    const before = fixedBatchLoss(t, images);
    const rows = await runSteps(t, 12);
    const after = fixedBatchLoss(t, images);
    assert.ok(after < 0.6 * before, `fixed-batch loss ${before.toFixed(2)} → ${after.toFixed(2)} should drop by 40 %+`);
    assert.ok(rows.every((r) => r.bpp > 0 && r.gradNorm > 0 && Number.isFinite(r.aux)));
    assert.equal(t.step, 12);
  } finally {
    t.dispose();
  }
});

test("--quantizer mixed trains the decoder on rounded latents: the rounded loss drops, and resume keeps the quantizer", async () => {
  const cfg = tinyConfig(data, join(root, 'mixed'), { lr: 1e-2, crop: 64, batch: 1, quantizer: 'mixed' });
  const t = await Trainer.create(cfg);
  const { images } = await loadImageFolder(data);
  const before = fixedBatchLoss(t, images);
  await runSteps(t, 12);
  const after = fixedBatchLoss(t, images);
  assert.ok(after < 0.85 * before, `fixed-batch rounded loss ${before.toFixed(2)} → ${after.toFixed(2)} should drop by 15 %+`);
  await t.saveCheckpoint();
  t.dispose();
  const resumed = await Trainer.resume(join(cfg.out, 'checkpoint.ckpt'));
  assert.equal(resumed.cfg.quantizer, 'mixed');
  resumed.dispose();
});

test('checkpoint → resume continues the same run exactly (losses, step, optimizer state)', async () => {
  const cfg = tinyConfig(data, join(root, 'straight'), { crop: 64, batch: 1 });
  const straight = await Trainer.create(cfg);
  const expected = await runSteps(straight, 6);
  straight.dispose();

  const cfgB = tinyConfig(data, join(root, 'interrupted'), { crop: 64, batch: 1 });
  const first = await Trainer.create(cfgB);
  const head = await runSteps(first, 3);
  await first.saveCheckpoint();
  const saved = await first.optimizerState();
  first.dispose();
  const resumed = await Trainer.resume(join(cfgB.out, 'checkpoint.ckpt'));
  assert.equal(resumed.step, 3);
  const restored = await resumed.optimizerState();
  assert.equal(restored.main.step, 3);
  assert.equal(restored.aux.step, 3);
  assert.deepEqual(restored, saved);
  const tail = await runSteps(resumed, 3);
  resumed.dispose();

  const losses = (rs: MetricsRow[]) => rs.map((r) => [r.step, r.loss, r.bpp, r.aux, r.gradNorm]);
  assert.deepEqual(losses([...head, ...tail]), losses(expected));
  // A second resume from the same checkpoint reproduces the tail too (nothing else carried state).
  const again = await Trainer.resume(join(cfgB.out, 'checkpoint.ckpt'));
  assert.deepEqual(losses(await runSteps(again, 3)), losses(tail));
  again.dispose();
  // The CSV keeps one row per step across the resume.
  const csv = (await readFile(join(cfgB.out, 'metrics.csv'), 'utf8')).trim().split('\n');
  assert.equal(csv.length, 1 + 3); // rows after the second resume's start are not flushed yet (no log point)
});

/** A tiny run of `steps` steps in root/name, checkpointed and disposed; returns the checkpoint path. */
async function checkpointedRun(name: string, steps: number): Promise<string> {
  const cfg = tinyConfig(data, join(root, name), { crop: 64, batch: 1 });
  const t = await Trainer.create(cfg);
  await runSteps(t, steps);
  await t.saveCheckpoint();
  t.dispose();
  return join(cfg.out, 'checkpoint.ckpt');
}

test('a copied run directory resumes in place: it writes beside its checkpoint (or to out), never into the original', async () => {
  const original = await checkpointedRun('original', 2);
  const before = await readFile(original);
  const copy = join(root, 'copied');
  await cp(dirname(original), copy, { recursive: true });
  const resumed = await Trainer.resume(join(copy, 'checkpoint.ckpt'));
  assert.equal(resumed.cfg.out, copy);
  await runSteps(resumed, 1);
  await resumed.saveCheckpoint();
  resumed.dispose();
  assert.deepEqual(await readFile(original), before); // the original is untouched
  const elsewhere = join(root, 'elsewhere');
  const moved = await Trainer.resume(join(copy, 'checkpoint.ckpt'), { out: elsewhere });
  assert.equal(moved.cfg.out, elsewhere);
  moved.dispose();
});

test('a corrupt or truncated checkpoint is refused with CheckpointError', async () => {
  const path = await checkpointedRun('corrupt', 1);
  const bytes = await readFile(path);
  await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(Trainer.resume(path), (e: unknown) => AdvlicError.is(e) && e.code === 'E_CHECKPOINT' && /truncated/.test(e.message));
  const flipped = Buffer.from(bytes);
  flipped[100]! ^= 0x10;
  await writeFile(path, flipped);
  await assert.rejects(Trainer.resume(path), (e: unknown) => AdvlicError.is(e) && e.code === 'E_CHECKPOINT');
});

test('bad settings are refused up front with a ConfigError naming the option', async () => {
  await assert.rejects(
    Trainer.create(tinyConfig(data, join(root, 'bad'), { arch: 'bmshj2018-hyperprior', crop: 32 })),
    (e: unknown) => AdvlicError.is(e) && e.code === 'E_CONFIG' && /--crop 32 must be a multiple of 64/.test(e.message),
  );
  await assert.rejects(Trainer.create(tinyConfig(join(root, 'missing'), join(root, 'bad'))), /does not exist/);
  await assert.rejects(Trainer.create(tinyConfig(data, join(root, 'bad'), { crop: 128 })), /at least 128x128/);
  await assert.rejects(Trainer.create(tinyConfig(data, join(root, 'bad'), { schedule: 'cosine' })), /bad --lr-schedule/);
  await assert.rejects(Trainer.create(tinyConfig(data, join(root, 'bad'), { valCount: 0, finalValCount: 0 })), /both 0/);
});

/** The network's trainable weights by key (not the entropy bottleneck's quantiles). */
function weightsOf(trainer: Trainer): Map<string, number[]> {
  return new Map([...trainer.model.parameters()].map(([k, v]) => [k, Array.from(v.dataSync())]));
}

test('--ema: the run validates and writes the moving average of its weights, and a resumed run continues the same average', async () => {
  const decay = 0.5;
  const t = await Trainer.create(tinyConfig(data, join(root, 'ema'), { lr: 1e-2, steps: 4, ema: decay }));
  // The average by hand: it starts at the initial weights, then avg ← d·avg + (1 − d)·w per step.
  const expected = weightsOf(t);
  for (let i = 0; i < 4; i++) {
    t.trainStep();
    for (const [k, w] of weightsOf(t)) expected.set(k, expected.get(k)!.map((a, j) => decay * a + (1 - decay) * w[j]!));
  }
  const live = weightsOf(t);
  const summary = await t.run(); // already at cfg.steps: swaps the average in, validates, writes
  const averaged = weightsOf(t);
  const written = (await loadWeightsFile(summary.weightsPath)).stateDict;
  const sd = t.model.stateDict();
  t.dispose();
  let maxErr = 0;
  let moved = 0;
  for (const [k, e] of expected) {
    e.forEach((v, j) => (maxErr = Math.max(maxErr, Math.abs(v - averaged.get(k)![j]!))));
    moved = Math.max(moved, ...live.get(k)!.map((v, j) => Math.abs(v - averaged.get(k)![j]!)));
  }
  assert.ok(maxErr < 1e-6, `averaged weights differ from the hand-computed average by ${maxErr}`);
  assert.ok(moved > 1e-4, 'the average differs from the live weights (else this test proves nothing)');
  for (const [k, e] of sd) assert.deepEqual(Array.from(written.get(k)!.data), Array.from(e.data), `written ${k} is the averaged model's`);

  // Interrupted after 2 steps and resumed: the same average at step 4.
  const first = await Trainer.create(tinyConfig(data, join(root, 'ema-resume'), { lr: 1e-2, steps: 4, ema: decay }));
  first.trainStep();
  first.trainStep();
  await first.saveCheckpoint();
  first.dispose();
  const resumed = await Trainer.resume(join(root, 'ema-resume', 'checkpoint.ckpt'));
  assert.equal(resumed.cfg.ema, decay);
  resumed.trainStep();
  resumed.trainStep();
  await resumed.run();
  const again = weightsOf(resumed);
  resumed.dispose();
  for (const [k, e] of averaged) assert.deepEqual(again.get(k), e, `${k} after resume`);
});
