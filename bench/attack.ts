/**
 * Attack cost on a Kodak-size image: PGD steps (forward + input gradient) through a zoo-size
 * bmshj2018-hyperprior (N=128, M=192, random weights — the cost does not depend on the
 * weights), plus the honest evaluation (real compress/decompress of clean and adversarial).
 * Prints one JSON document. Usage: node --import tsx bench/attack.ts [kodim.png] [steps]
 */
import { initEngine } from '../src/engine/index.js';
import { readImage } from '../src/image/read.js';
import { createModel } from '../src/models/registry.js';
import { LearnedCodec } from '../src/codec/learned-codec.js';
import { attackAndEvaluate } from '../src/attacks/attack-and-evaluate.js';
import { SHARED_DIR } from '../src/shared-data.js';

const path = process.argv[2] ?? `${SHARED_DIR}/data/kodak/kodim01.png`;
const steps = Number(process.argv[3] ?? 3);
const { name: engine } = await initEngine();
const image = await readImage(path);
const model = createModel({ arch: 'bmshj2018-hyperprior', N: 128, M: 192 });
model.update(true);
const codec = new LearnedCodec(model, { weightsHash: '0'.repeat(64), quality: 3 });
const stepMs: number[] = [];
let last = performance.now();
const { result } = await attackAndEvaluate(codec, image, { method: 'pgd', options: { steps }, goal: { goal: 'distortion' }, seed: 0 }, () => {
  const now = performance.now();
  stepMs.push(now - last);
  last = now;
});
codec.dispose?.();
model.dispose();
console.log(
  JSON.stringify({
    engine,
    image: `${image.width}x${image.height}`,
    steps,
    stepMs: stepMs.map((v) => Math.round(v)),
    attackMs: Math.round(result.attackMs),
    evaluationMs: Math.round(result.evaluationMs),
    counts: result.counts,
    psnr: [result.clean.psnr, result.attacked.psnr],
    bppReal: [result.clean.bppReal, result.attacked.bppReal],
  }),
);
