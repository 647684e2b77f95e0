import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/index.js';
import { resolveCodec } from '../../src/codec/resolve.js';
import { evaluateTransfer } from '../../src/attacks/transfer.js';
import type { RgbImage } from '../../src/image/types.js';

function texture(w: number, h: number, seed: number): RgbImage {
  const data = new Float32Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(255 * (0.5 + 0.3 * Math.sin(i * 0.013 + seed) * Math.cos(i * 0.0007))) / 255;
  return { width: w, height: h, data };
}

test('transfer: an unperturbed image transfers nothing; an 8/255 perturbation hurts JPEG measurably', async () => {
  await initEngine();
  const original = texture(96, 64, 1);
  const jpeg = await resolveCodec('jpeg@75');
  const [same] = await evaluateTransfer(original, original, [jpeg]);
  assert.equal(same!.target, jpeg.id);
  assert.equal(same!.bppRatio, 1);
  assert.equal(same!.psnrDropRel, 0);

  // A checkerboard of ±8/255 (what an L∞ attacker may add) raises JPEG's rate and lowers its PSNR.
  const adv = new Float32Array(original.data.length);
  for (let i = 0; i < adv.length; i++) {
    const p = Math.floor(i / 3);
    const s = ((p % 96) + Math.floor(p / 96)) % 2 === 0 ? 8 / 255 : -8 / 255;
    adv[i] = Math.min(1, Math.max(0, original.data[i]! + s));
  }
  const [hit] = await evaluateTransfer(original, { ...original, data: adv }, [jpeg]);
  assert.ok(hit!.bppRatio > 1.05, `bpp ratio ${hit!.bppRatio}`);
  assert.ok((hit!.psnrDropRel ?? 0) > 0.01, `PSNR drop ${hit!.psnrDropRel}`);
});
