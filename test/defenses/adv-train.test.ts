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
import { ManifestSchema } from '../../src/models/weights/manifest.js';

const CKPT = '/work/shared/reference/compressai/bmshj2018-hyperprior-q1-tiny.pth.tar';
const DATA = '/work/shared/data/train/bsds500';
const KODAK = '/work/shared/data/kodak';
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

test('adversarial fine-tuning lowers the attacked RD loss on held-out crops; manifest records the defence; resume continues', { skip }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'advtrain-'));
  const crops = await heldOut();
  const lambda = 0.0018;
  const probe = { goal: goalSpec('both', lambda), eps: 8 / 255, steps: 5, quant: 'ste' as const, seed: 11 };
  try {
    const base = await LearnedCodec.fromWeightsFile(CKPT, 1);
    const before = attackedLoss(base, crops, probe);
    base.dispose();

    const req = {
      model: CKPT, out, quality: 1, lambda, goal: 'both' as const, eps: 8 / 255, attackSteps: 3, mix: 0.5, rampSteps: 4,
      steps: 6, batch: 2, crop: 64, lr: 1e-3, data: DATA, dataLimit: 4, valData: KODAK, valCount: 1, valCrop: 64, ckptEvery: 3, logEvery: 1,
    };
    const t1 = await AdvTrainer.create({ ...req, steps: 3 });
    await t1.run();
    t1.dispose();
    const t2 = await AdvTrainer.resume(join(out, 'advtrain.ckpt'), { steps: 12 });
    assert.equal(t2.step, 3);
    const summary = await t2.run();
    const after = attackedLoss(t2.asCodec(), crops, probe);
    t2.dispose();
    console.log(JSON.stringify({ before, after, final: summary.final }));
    assert.ok(after < before * 0.95, `attacked loss ${after} should be below ${before}`);

    const manifest = ManifestSchema.parse(JSON.parse(await readFile(summary.manifestPath, 'utf8')));
    assert.equal(manifest.defence?.method, 'adv-train');
    assert.equal(manifest.defence?.attack, 'pgd');
    assert.equal(manifest.defence?.epsilon, 8 / 255);
    assert.match(manifest.defence?.baseWeightsSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.equal(manifest.steps, 12);
    const reloaded = await LearnedCodec.fromWeightsFile(summary.weightsPath);
    assert.equal(reloaded.quality, 1);
    reloaded.dispose();
  } finally {
    tf.dispose(crops);
    await rm(out, { recursive: true, force: true });
  }
});
