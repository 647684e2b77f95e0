import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { REF, TINY_HYPERPRIOR, runCli, runJson } from './run-cli.js';
import type { EvalResult } from '../../src/cli/commands/eval.js';
import { SHARED_DIR } from '../../src/shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'advlic-eval-'));
const ref = JSON.parse(readFileSync(`${REF}/reference.json`, 'utf8').replace(/-?\bInfinity\b|\bNaN\b/g, 'null')) as {
  models: Record<string, { forward: { bpp: number; psnr_x_hat_clamped_vs_input: number } }>;
};
const fw = ref.models['bmshj2018-hyperprior-q1-tiny']!.forward;

before(async () => {
  // A second small image: a 128x64 crop of kodim01.
  await sharp(`${SHARED_DIR}/data/kodak/kodim01.png`).extract({ left: 200, top: 200, width: 128, height: 64 }).png().toFile(join(dir, 'crop.png'));
  await sharp(`${REF}/input.png`).png().toFile(join(dir, 'input.png'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol;

test('eval --json: per-image numbers agree with CompressAI and with themselves; means are means', async () => {
  const r = await runJson<EvalResult>(['eval', '--model', TINY_HYPERPRIOR, '--model', 'jpeg@q50', dir]);
  assert.equal(r.models.length, 2);
  const [learned, jpeg] = r.models;
  assert.equal(learned!.images.length, 2);
  const inp = learned!.images.find((i) => i.image.endsWith('input.png'))!;
  assert.ok(close(inp.bppEstimated!, fw.bpp, 1e-4 * fw.bpp), `estimated bpp ${inp.bppEstimated} vs CompressAI ${fw.bpp}`);
  assert.ok(close(inp.psnr!, fw.psnr_x_hat_clamped_vs_input, 0.05), `psnr ${inp.psnr} vs ${fw.psnr_x_hat_clamped_vs_input}`);
  for (const m of r.models) {
    for (const i of m.images) {
      assert.equal(i.bppReal, (i.bytes! * 8) / (i.width * i.height));
      assert.equal(i.msSsim, null); // 64 px high: below MS-SSIM's minimum size
      assert.ok(i.encodeMs! >= 0 && i.decodeMs! >= 0);
    }
    const avg = (k: 'psnr' | 'bppReal') => m.images.reduce((s, i) => s + i[k]!, 0) / m.images.length;
    assert.ok(close(m.mean.psnr!, avg('psnr'), 1e-9));
    assert.ok(close(m.mean.bppReal!, avg('bppReal'), 1e-12));
    assert.equal(m.mean.images, 2);
  }
  // Real coding costs a little more than the estimate (rANS + container header).
  assert.ok(inp.bppReal! > inp.bppEstimated!);
  assert.ok(jpeg!.images.every((i) => i.bppEstimated === null && i.psnr! > 20));
});

test('eval --entropy-estimation: no real coding, same estimate', async () => {
  const r = await runJson<EvalResult>(['eval', '--model', TINY_HYPERPRIOR, '--entropy-estimation', join(dir, 'input.png')]);
  const i = r.models[0]!.images[0]!;
  assert.equal(i.bppReal, null);
  assert.equal(i.bytes, null);
  assert.ok(close(i.bppEstimated!, fw.bpp, 1e-4 * fw.bpp));
  assert.ok(close(i.psnr!, fw.psnr_x_hat_clamped_vs_input, 0.05));
});

test('eval refuses a missing image and an unknown model in one line', async () => {
  const r = await runCli(['eval', '--model', TINY_HYPERPRIOR, join(dir, 'nope.png')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^advlic: error \[E_CONFIG\]: [^\n]*nope\.png[^\n]*\n$/);
  const u = await runCli(['eval', '--model', 'no-such-model@3', join(dir, 'input.png')]);
  assert.notEqual(u.code, 0);
  assert.match(u.stderr, /^advlic: error \[E_MODEL_UNKNOWN\]: [^\n]+\n$/);
});
