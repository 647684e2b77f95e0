import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { initEngine } from '../../src/engine/index.js';
import { LearnedCodec } from '../../src/codec/learned-codec.js';
import { attackAndEvaluate } from '../../src/attacks/attack-and-evaluate.js';
import { testImage } from './helpers.js';
import { SHARED_DIR } from '../../src/shared-data.js';

// CompressAI's own bmshj2018-hyperprior at N=16, M=24 (shared reference data).
const CKPT = `${SHARED_DIR}/reference/compressai/bmshj2018-hyperprior-q1-tiny.pth.tar`;

let codec: LearnedCodec | undefined;
before(async () => {
  await initEngine();
  if (existsSync(CKPT)) codec = await LearnedCodec.fromWeightsFile(CKPT, 1);
});

test('real tiny hyperprior: PGD beats noise on distortion and rate, honestly evaluated', { skip: !existsSync(CKPT) && `missing ${CKPT}` }, async () => {
  const img = testImage(64, 64, 2);
  const budget = { norm: 'linf', eps: 8 / 255 } as const;
  const run = (method: string, goal: 'distortion' | 'rate') =>
    attackAndEvaluate(codec!, img, { method, options: method === 'pgd' ? { steps: 8 } : {}, goal: { goal }, budget, seed: 0 }).then((r) => r.result);
  const [noiseD, pgdD, noiseR, pgdR] = [await run('noise', 'distortion'), await run('pgd', 'distortion'), await run('noise', 'rate'), await run('pgd', 'rate')];
  assert.ok(pgdD.attacked.psnr! < noiseD.attacked.psnr!, `PSNR pgd ${pgdD.attacked.psnr} vs noise ${noiseD.attacked.psnr}`);
  assert.ok(pgdR.bppRatio > noiseR.bppRatio, `bpp ratio pgd ${pgdR.bppRatio} vs noise ${noiseR.bppRatio}`);
  assert.ok(pgdR.bppEstimatedRatio! > 1);
  assert.equal(pgdD.perturbation.linf255, 8);
  console.log(JSON.stringify({ noiseD: [noiseD.attacked.psnr, noiseD.clean.psnr], pgdD: [pgdD.attacked.psnr, pgdD.attackMs], noiseR: noiseR.bppRatio, pgdR: [pgdR.bppRatio, pgdR.bppEstimatedRatio, pgdR.clean.bppReal] }));
});
