import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REF, TINY_HYPERPRIOR, readF32, runCli, runJson } from './run-cli.js';
import type { InspectResult } from '../../src/cli/commands/inspect.js';

const OUT = `${REF}/out/bmshj2018-hyperprior-q1-tiny`;
const reference = JSON.parse(readFileSync(`${REF}/reference.json`, 'utf8').replace(/-?\bInfinity\b|\bNaN\b/g, 'null')) as {
  models: Record<string, { forward: { total_bits: number; likelihoods: Record<string, { bits: number }> } }>;
};

test('inspect: dumps of the tiny hyperprior match CompressAI (x_hat, bits, STE gradient)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'advlic-inspect-'));
  try {
    const r = await runJson<InspectResult>(['inspect', '--model', TINY_HYPERPRIOR, '--input', `${REF}/input.f32`, '--shape', '1,3,64,128', '--dump', dir]);
    assert.deepEqual(r.shape, [1, 3, 64, 128]);

    const xHat = readF32(readFileSync(join(dir, 'x_hat.f32')));
    const xRef = readF32(readFileSync(`${OUT}/x_hat.f32`));
    assert.equal(xHat.length, xRef.length);
    let maxAbs = 0;
    for (let i = 0; i < xRef.length; i++) maxAbs = Math.max(maxAbs, Math.abs(xHat[i]! - xRef[i]!));
    assert.ok(maxAbs < 1e-4, `x_hat max abs error ${maxAbs}`);

    const bits = JSON.parse(readFileSync(join(dir, 'bits.json'), 'utf8')) as { y: number; z: number; total: number; bpp: number };
    const fw = reference.models['bmshj2018-hyperprior-q1-tiny']!.forward;
    for (const [got, want] of [[bits.y, fw.likelihoods.y!.bits], [bits.z, fw.likelihoods.z!.bits], [bits.total, fw.total_bits]] as const) {
      assert.ok(Math.abs(got - want) / want < 1e-3, `bits ${got} vs CompressAI ${want}`);
    }
    assert.ok(Math.abs(bits.bpp - fw.total_bits / (64 * 128)) < 1e-6);

    const g = readF32(readFileSync(join(dir, 'grad.f32')));
    const gRef = readF32(readFileSync(`${OUT}/grad_ste_mse.f32`));
    let num = 0;
    let den = 0;
    for (let i = 0; i < gRef.length; i++) {
      num += (g[i]! - gRef[i]!) ** 2;
      den += gRef[i]! ** 2;
    }
    assert.ok(den > 0);
    assert.ok(Math.sqrt(num / den) < 1e-3, `gradient relative L2 error ${Math.sqrt(num / den)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inspect: PNG input works; a raw input of the wrong size is refused in one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'advlic-inspect-'));
  try {
    const r = await runJson<InspectResult>(['inspect', '--model', TINY_HYPERPRIOR, '--input', `${REF}/input.png`, '--dump', dir]);
    assert.deepEqual(r.shape, [1, 3, 64, 128]);
    assert.ok(r.bits.total > 1000);
    const bad = await runCli(['inspect', '--model', TINY_HYPERPRIOR, '--input', `${REF}/input.f32`, '--shape', '1,3,64,64', '--dump', dir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /^advlic: error \[E_IMAGE_SHAPE\]: .*needs 49152\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
