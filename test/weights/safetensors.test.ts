import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WeightsFormatError } from '../../src/errors.js';
import { floatToHalf, halfToFloat } from '../../src/models/weights/half.js';
import { loadWeightsFile, sha256Bytes, sha256File } from '../../src/models/weights/load.js';
import type { WeightsManifest } from '../../src/models/weights/manifest.js';
import { readSafetensors, writeSafetensors } from '../../src/models/weights/safetensors.js';
import { REF_DIR, checkpoint, reference } from '../entropy/reference.js';

const m = reference().models['bmshj2018-hyperprior-q1-tiny']!;

test('safetensors: f32 round trip is exact, int32 buffers included', () => {
  const sd = checkpoint(m.weights);
  const bytes = writeSafetensors(sd, { metadata: { arch: 'bmshj2018-hyperprior' } });
  const back = readSafetensors(bytes);
  assert.equal(back.metadata['arch'], 'bmshj2018-hyperprior');
  assert.deepEqual([...back.stateDict.keys()], [...sd.keys()]);
  for (const [k, t] of sd) assert.deepEqual(back.stateDict.get(k), t, k);
});

test('safetensors: f16 storage is within half precision and about half the size', () => {
  const sd = checkpoint(m.weights);
  const f32 = writeSafetensors(sd);
  const f16 = writeSafetensors(sd, { fp16: true });
  let floatCount = 0;
  for (const t of sd.values()) if (t.dtype === 'float32') floatCount += t.data.length;
  assert.ok(Math.abs(f32.length - f16.length - 2 * floatCount) < 1024, 'floats stored in 2 bytes'); // headers differ slightly
  const back = readSafetensors(f16).stateDict;
  let worst = 0;
  for (const [k, t] of sd) {
    const b = back.get(k)!;
    assert.equal(b.dtype, t.dtype);
    if (t.dtype === 'int32') {
      assert.deepEqual(b.data, t.data);
      continue;
    }
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i]!;
      const tol = Math.max(Math.abs(v) * 2 ** -11, 2 ** -25);
      if (Math.abs(v) < 65504) worst = Math.max(worst, Math.abs(b.data[i]! - v) / tol);
    }
  }
  assert.ok(worst <= 1 && worst > 0, `worst error ${worst} half-ulps`);
  assert.equal(halfToFloat(floatToHalf(1 + 2 ** -11)), 1); // ties to even
  assert.equal(halfToFloat(floatToHalf(1e6)), Infinity);
  assert.equal(halfToFloat(floatToHalf(2 ** -24)), 2 ** -24);
});

test('safetensors: corrupt headers and truncated data are refused', () => {
  const bytes = writeSafetensors(checkpoint(m.weights));
  assert.throws(() => readSafetensors(bytes.subarray(0, 4)), WeightsFormatError);
  assert.throws(() => readSafetensors(bytes.subarray(0, 200)), WeightsFormatError);
  assert.throws(() => readSafetensors(bytes.subarray(0, bytes.length - 1)), WeightsFormatError);
  const bad = bytes.slice();
  bad[8] = 0x7d; // '}' first: the header is no longer valid JSON
  assert.throws(() => readSafetensors(bad), WeightsFormatError);
});

test('loadWeightsFile: .pth.tar and .safetensors with a manifest; sha256 checked', async () => {
  const pth = await loadWeightsFile(join(REF_DIR, m.weights));
  assert.equal(pth.format, 'pth');
  assert.equal(pth.sha256, m.weights_sha256);
  assert.equal(await sha256File(join(REF_DIR, m.weights)), m.weights_sha256);
  const dir = mkdtempSync(join(tmpdir(), 'advlic-weights-'));
  try {
    const file = join(dir, 'tiny.safetensors');
    const bytes = writeSafetensors(pth.stateDict, { fp16: true });
    writeFileSync(file, bytes);
    const manifest: WeightsManifest = {
      arch: 'bmshj2018-hyperprior', N: 16, M: 24, quality: 1, lambda: 0.0018, metric: 'mse',
      trainingData: 'test', command: 'advlic train --tiny', seed: 1, steps: 0,
      kodak: { psnr: 20, bpp: 0.3 }, sha256: sha256Bytes(bytes), created: new Date().toISOString(), codeVersion: 'test',
    };
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify(manifest));
    const loaded = await loadWeightsFile(file);
    assert.equal(loaded.manifest?.N, 16);
    assert.equal(loaded.stateDict.size, pth.stateDict.size);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ ...manifest, sha256: '0'.repeat(64) }));
    await assert.rejects(loadWeightsFile(file), WeightsFormatError);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ ...manifest, N: -1 }));
    await assert.rejects(loadWeightsFile(file), /manifest .*N/);
    await assert.rejects(loadWeightsFile(join(dir, 'missing.pth')), WeightsFormatError);
    await assert.rejects(loadWeightsFile(join(dir, 'tiny.json')), WeightsFormatError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('safetensors: f16 storage keeps tensors fp16 cannot hold (tiny bounds, overflow) in f32', () => {
  const sd = new Map([
    ['gaussian_conditional.likelihood_lower_bound.bound', { shape: [], dtype: 'float32' as const, data: Float32Array.of(1e-9) }],
    ['g_a.1.gamma_reparam.pedestal', { shape: [], dtype: 'float32' as const, data: Float32Array.of(2 ** -36) }],
    ['big', { shape: [2], dtype: 'float32' as const, data: Float32Array.of(1e5, 1) }],
    ['w', { shape: [3], dtype: 'float32' as const, data: Float32Array.of(0.25, -0.1, 1e-9) }], // a tiny entry beside large ones
  ]);
  const bytes = writeSafetensors(sd, { fp16: true });
  const headerLen = new DataView(bytes.buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, { dtype: string }>;
  assert.equal(header['gaussian_conditional.likelihood_lower_bound.bound']!.dtype, 'F32');
  assert.equal(header['g_a.1.gamma_reparam.pedestal']!.dtype, 'F32');
  assert.equal(header['big']!.dtype, 'F32');
  assert.equal(header['w']!.dtype, 'F16');
  const back = readSafetensors(bytes).stateDict;
  assert.equal(back.get('gaussian_conditional.likelihood_lower_bound.bound')!.data[0], Math.fround(1e-9));
  assert.equal(back.get('g_a.1.gamma_reparam.pedestal')!.data[0], 2 ** -36);
  assert.equal(back.get('big')!.data[0], 1e5);
});
