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
