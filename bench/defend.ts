/**
 * Defence costs: per defence, ms per real compress+decompress and per adaptive attack step
 * (forward + input gradient; naive = the bare model's step), and adversarial-training steps
 * per second. Model: --model (default CompressAI's tiny hyperprior reference checkpoint);
 * image: a centre crop of a Kodak image. Prints one JSON document.
 *
 *   node --import tsx bench/defend.ts [--model SPEC] [--quality 1] [--crop 128] [--reps 3] [--train-steps 3]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, tf } from '../src/engine/index.js';
import { resolveCodec } from '../src/codec/resolve.js';
import { isDifferentiable } from '../src/codec/types.js';
import { readImage } from '../src/image/read.js';
import { imageToTensor } from '../src/image/tensor.js';
import { centreCrop } from '../src/defenses/evaluate/crop.js';
import { DEFENCE_NAMES, createDefence } from '../src/defenses/registry.js';
import { AdvTrainer } from '../src/defenses/adv-train/adv-trainer.js';
import { SHARED_DIR } from '../src/shared-data.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const MODEL = arg('model', `${SHARED_DIR}/reference/compressai/bmshj2018-hyperprior-q1-tiny.pth.tar`);
const QUALITY = Number(arg('quality', '1'));
const CROP = Number(arg('crop', '128'));
const REPS = Number(arg('reps', '3'));
const TRAIN_STEPS = Number(arg('train-steps', '3'));
const KODAK = `${SHARED_DIR}/data/kodak/kodim01.png`;

const best = async (f: () => unknown | Promise<unknown>) => {
  let b = Infinity;
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    await f();
    b = Math.min(b, performance.now() - t0);
  }
  return Math.round(b * 10) / 10;
};

const { name: engine } = await initEngine();
const base = await resolveCodec(MODEL, { quality: QUALITY });
if (!isDifferentiable(base)) throw new Error(`${MODEL} is not a learned codec`);
const img = centreCrop(await readImage(KODAK), CROP);
const x = imageToTensor(img);
const step = (c: typeof base) => () => tf.grad((v: tf.Tensor) => tf.mean(c.forward(v as tf.Tensor4D, 'ste').xHat) as tf.Scalar)(x).dispose();

const rows: Record<string, unknown>[] = [{ defence: 'none', codingMs: await best(async () => base.decompress(await base.compress(img))), stepMs: await best(step(base)) }];
for (const name of DEFENCE_NAMES) {
  const d = createDefence(name, base, { eot: 4 });
  rows.push({
    defence: d.id,
    codingMs: await best(async () => d.decompress(await d.compress(img))),
    adaptiveStepMs: await best(step(d)),
    ...(d.defence.options.eot !== undefined ? { eot: d.defence.options.eot } : {}),
  });
}
x.dispose();

let advTrain: Record<string, unknown> | undefined;
if (existsSync(`${SHARED_DIR}/data/train/bsds500`) && TRAIN_STEPS > 0) {
  const out = mkdtempSync(join(tmpdir(), 'bench-advtrain-'));
  try {
    const t = await AdvTrainer.create({ model: MODEL, out, quality: QUALITY, steps: TRAIN_STEPS, batch: 2, crop: 128, attackSteps: 3, data: `${SHARED_DIR}/data/train/bsds500`, dataLimit: 8, valCount: 1, valCrop: 64, ckptEvery: 1000 });
    const t0 = performance.now();
    for (let i = 0; i < TRAIN_STEPS; i++) t.trainStep();
    advTrain = { batch: 2, crop: 128, attackSteps: 3, mix: 0.5, stepsPerSecond: Math.round((TRAIN_STEPS / ((performance.now() - t0) / 1000)) * 1000) / 1000 };
    t.dispose();
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
base.dispose?.();
process.stdout.write(JSON.stringify({ engine, model: base.id, image: `${img.width}x${img.height}`, reps: REPS, defences: rows, advTrain }, null, 2) + '\n');
