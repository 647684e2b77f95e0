import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, tf } from '../../src/engine/index.js';
import { LearnedCodec } from '../../src/codec/learned-codec.js';
import { readImage } from '../../src/image/index.js';
import { imageToTensor } from '../../src/image/tensor.js';
import { AdvTrainer } from '../../src/defenses/adv-train/adv-trainer.js';
import { attackedLoss, goalSpec } from '../../src/defenses/adv-train/batch-pgd.js';
import { RobustSelector, robustnessPoint } from '../../src/defenses/adv-train/robust-selection.js';
import { ManifestSchema } from '../../src/models/weights/manifest.js';
import { SHARED_DIR } from '../../src/shared-data.js';

const CKPT = `${SHARED_DIR}/reference/compressai/bmshj2018-hyperprior-q1-tiny.pth.tar`;
const DATA = `${SHARED_DIR}/data/train/bsds500`;
const KODAK = `${SHARED_DIR}/data/kodak`;
const skip = (!existsSync(CKPT) || !existsSync(DATA) || !existsSync(KODAK)) && 'missing reference checkpoint or data';

/** Held-out 64x64 crops from Kodak (never in the BSDS training folder). */
async function heldOut(): Promise<tf.Tensor4D[]> {
  const img = await readImage(join(KODAK, 'kodim01.png'), { warn: () => {} });
  const x = imageToTensor(img);
  const crops = [[100, 200], [300, 500]].map(([t, l]) => tf.slice(x, [0, t!, l!, 0], [1, 64, 64, 3]) as tf.Tensor4D);
  x.dispose();
  return crops;
}

before(async () => {
  await initEngine();
});

test('adversarial fine-tuning lowers the attacked RD loss on held-out crops, below clean fine-tuning of the same length; manifest; resume', { skip }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'advtrain-'));
  const crops = await heldOut();
  const lambda = 0.0018;
  const probe = { goal: goalSpec('both', lambda), eps: 8 / 255, steps: 5, quant: 'ste' as const, seed: 11 };
  try {
    const base = await LearnedCodec.fromWeightsFile(CKPT, 1);
    const before = attackedLoss(base, crops, probe);
    base.dispose();

    const req = {
      model: CKPT, quality: 1, lambda, goal: 'both' as const, eps: 8 / 255, attackSteps: 3, mix: 0.5, rampSteps: 4,
      steps: 10, batch: 2, crop: 64, lr: 1e-3, data: DATA, dataLimit: 4, valData: KODAK, valCount: 1, valCrop: 64, ckptEvery: 5, logEvery: 1,
    };
    // Control: the same run without adversarial crops (the tiny reference model is barely
    // trained, so any fine-tuning lowers every loss; robustness is what adversarial crops add).
    const control = await AdvTrainer.create({ ...req, mix: 0, out: join(out, 'clean') });
    await control.run();
    const afterClean = attackedLoss(control.asCodec(), crops, probe);
    control.dispose();

    const t1 = await AdvTrainer.create({ ...req, steps: 5, out: join(out, 'adv') });
    await t1.run();
    t1.dispose();
    const t2 = await AdvTrainer.resume(join(out, 'adv', 'advtrain.ckpt'), { steps: 10 });
    assert.equal(t2.step, 5);
    const summary = await t2.run();
    const after = attackedLoss(t2.asCodec(), crops, probe);
    t2.dispose();
    console.log(JSON.stringify({ before, afterClean, after, final: summary.final }));
    assert.ok(after < before * 0.9, `attacked loss ${after} should be well below the base model's ${before}`);
    assert.ok(after < afterClean, `adversarial fine-tuning (${after}) should beat clean fine-tuning (${afterClean}) under attack`);

    const manifest = ManifestSchema.parse(JSON.parse(await readFile(summary.manifestPath, 'utf8')));
    assert.equal(manifest.defence?.method, 'adv-train');
    assert.equal(manifest.defence?.attack, 'pgd');
    assert.equal(manifest.defence?.epsilon, 8 / 255);
    assert.match(manifest.defence?.baseWeightsSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.equal(manifest.steps, 10);
    const reloaded = await LearnedCodec.fromWeightsFile(summary.weightsPath);
    assert.equal(reloaded.quality, 1);
    reloaded.dispose();
  } finally {
    tf.dispose(crops);
    await rm(out, { recursive: true, force: true });
  }
});

test('--select-every: the most robust checkpoint on held-out crops is written (the base counts), recorded in robust-val.csv and the manifest, kept across resume', { skip }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'advsel-'));
  try {
    const req = {
      model: CKPT, quality: 1, lambda: 0.0018, goal: 'both' as const, eps: 8 / 255, attackSteps: 2, mix: 0.5,
      steps: 4, batch: 2, crop: 64, lr: 1e-3, data: DATA, dataLimit: 4, valData: KODAK, valCount: 1, valCrop: 64, ckptEvery: 2, logEvery: 1,
      selectEvery: 2, selectData: KODAK, selectCount: 2, selectCrop: 64, selectSteps: 3, out,
    };
    const t1 = await AdvTrainer.create(req);
    await t1.run();
    t1.dispose();
    // Resume to 6 steps: the history (0, 2, 4) and the best weights come back from the checkpoint.
    const t2 = await AdvTrainer.resume(join(out, 'advtrain.ckpt'), { steps: 6 });
    const summary = await t2.run();
    t2.dispose();
    const history = summary.selection!;
    assert.deepEqual(history.map((p) => p.step), [0, 2, 4, 6]);
    const best = history.reduce((a, b) => (b.attacked < a.attacked ? b : a));
    assert.equal(summary.selectedStep, best.step);
    const csv = (await readFile(join(out, 'robust-val.csv'), 'utf8')).trim().split('\n');
    assert.deepEqual(csv.slice(1).map((l) => Number(l.split(',')[0])), [0, 2, 4, 6]);

    // The written weights are the selected step's: re-measuring them gives its attacked loss.
    const written = await LearnedCodec.fromWeightsFile(summary.weightsPath);
    const crops = (await Promise.all(['kodim01.png', 'kodim02.png'].map((f) => readImage(join(KODAK, f), { warn: () => {} })))).map((img) => {
      const x = imageToTensor(img);
      const c = tf.slice(x, [0, Math.floor((img.height - 64) / 2), Math.floor((img.width - 64) / 2), 0], [1, 64, 64, 3]) as tf.Tensor4D;
      x.dispose();
      return c;
    });
    const again = robustnessPoint(written, crops, { every: 2, goal: 'both', lambda: 0.0018, eps: 8 / 255, attackSteps: 3, seed: 0 + 0x5e1 });
    tf.dispose(crops);
    written.dispose();
    assert.ok(Math.abs(again.attacked - best.attacked) < 1e-3 * best.attacked, `written weights: attacked ${again.attacked} vs the selected step's ${best.attacked}`);

    const manifest = ManifestSchema.parse(JSON.parse(await readFile(summary.manifestPath, 'utf8')));
    assert.equal(manifest.steps, best.step);
    const sel = manifest.defence?.details?.selection as { selectedStep: number; trainedSteps: number };
    assert.equal(sel.selectedStep, best.step);
    assert.equal(sel.trainedSteps, 6);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('--quantizer mixed: the training loss takes the mixed forward (not noise), and resume keeps it', { skip }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'advmixed-'));
  try {
    const req = {
      model: CKPT, quality: 1, lambda: 0.0018, goal: 'both' as const, eps: 8 / 255, attackSteps: 1, attackQuant: 'ste' as const, quantizer: 'mixed' as const,
      mix: 0.5, steps: 1, batch: 2, crop: 64, lr: 1e-3, data: DATA, dataLimit: 2, valData: KODAK, valCount: 1, valCrop: 64, ckptEvery: 1, logEvery: 1, out,
    };
    const spy = (t: AdvTrainer, modes: string[]) => {
      const forward = t.model.forward.bind(t.model);
      t.model.forward = ((x: tf.Tensor4D, mode: Parameters<typeof forward>[1]) => (modes.push(mode), forward(x, mode))) as typeof t.model.forward;
    };
    const t1 = await AdvTrainer.create(req);
    const modes1: string[] = [];
    spy(t1, modes1);
    t1.trainStep();
    await t1.saveCheckpoint();
    t1.dispose();
    // The PGD step runs the attack's quantizer ('ste'); the loss, the training quantizer.
    assert.deepEqual(modes1, ['ste', 'mixed']);
    const t2 = await AdvTrainer.resume(join(out, 'advtrain.ckpt'), { steps: 2 });
    assert.equal(t2.cfg.quantizer, 'mixed');
    const modes2: string[] = [];
    spy(t2, modes2);
    t2.trainStep();
    t2.dispose();
    assert.deepEqual(modes2, ['ste', 'mixed']);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('--ema: the weight average is written, checkpointed, and a resumed run writes the same file as an uninterrupted one', { skip }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'advema-'));
  try {
    const req = {
      model: CKPT, quality: 1, lambda: 0.0018, goal: 'both' as const, eps: 8 / 255, attackSteps: 1, mix: 0.5, ema: 0.5,
      steps: 3, batch: 2, crop: 64, lr: 1e-3, data: DATA, dataLimit: 2, valData: KODAK, valCount: 1, valCrop: 64, ckptEvery: 1, logEvery: 1,
    };
    await assert.rejects(AdvTrainer.create({ ...req, valCount: 0, out: join(out, 'noval') }), /--val-count is 0/);
    const whole = await AdvTrainer.create({ ...req, out: join(out, 'whole') });
    const wholeSummary = await whole.run();
    whole.dispose();
    const parted = await AdvTrainer.create({ ...req, steps: 2, out: join(out, 'parted') });
    await parted.run();
    parted.dispose();
    const resumed = await AdvTrainer.resume(join(out, 'parted', 'advtrain.ckpt'), { steps: 3 });
    const resumedSummary = await resumed.run();
    resumed.dispose();
    const sha = async (p: string) => ManifestSchema.parse(JSON.parse(await readFile(p, 'utf8'))).sha256;
    assert.equal(await sha(resumedSummary.manifestPath), await sha(wholeSummary.manifestPath));

    // The written weights are the average, not the last (checkpointed) weights.
    const manifest = ManifestSchema.parse(JSON.parse(await readFile(wholeSummary.manifestPath, 'utf8')));
    assert.equal((manifest.defence?.details as { weightAverageDecay?: number }).weightAverageDecay, 0.5);
    const written = await LearnedCodec.fromWeightsFile(wholeSummary.weightsPath);
    const live = await AdvTrainer.resume(join(out, 'whole', 'advtrain.ckpt'));
    const key = [...written.model.parameters().keys()].find((k) => k.startsWith('g_s.'))!;
    const w = Array.from(written.model.parameters().get(key)!.dataSync());
    const l = Array.from(live.model.parameters().get(key)!.dataSync());
    assert.notDeepEqual(w, l);
    live.dispose();
    written.dispose();
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('RobustSelector keeps the earlier weights when later ones are less robust', { skip }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'advsel2-'));
  const codec = await LearnedCodec.fromWeightsFile(CKPT, 1);
  const crops = await heldOut();
  const settings = { every: 1, goal: 'both' as const, lambda: 0.0018, eps: 8 / 255, attackSteps: 2, seed: 3 };
  const selector = new RobustSelector(settings, crops, out);
  try {
    const baseSd = codec.model.stateDict();
    await selector.observe(0, codec, () => codec.model.stateDict());
    // Damage the synthesis transform's first layer: reconstructions (and so the RD cost) get worse.
    const damaged = new Map(baseSd);
    for (const [k, t] of baseSd) if (k.startsWith('g_s.0.') && k.endsWith('weight')) damaged.set(k, { ...t, data: Float32Array.from(t.data as Float32Array, (v) => v * 3) });
    codec.model.loadStateDict(damaged);
    const worse = await selector.observe(1, codec, () => codec.model.stateDict());
    assert.ok(worse.attacked > selector.state.history[0]!.attacked, 'the damaged weights are less robust');
    assert.equal(selector.state.bestStep, 0);
    const kept = selector.bestWeights!;
    for (const [k, t] of baseSd) assert.deepEqual(Array.from(kept.get(k)!.data as Float32Array), Array.from(t.data as Float32Array), k);
    assert.equal(selector.due(1), false);
    assert.equal(selector.due(2), true);
  } finally {
    selector.dispose();
    codec.dispose();
    await rm(out, { recursive: true, force: true });
  }
});
