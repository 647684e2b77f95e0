import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { initEngine } from '../../src/engine/index.js';
import { readImage } from '../../src/image/read.js';
import { to8bit } from '../../src/image/convert.js';
import { LearnedCodec } from '../../src/codec/learned-codec.js';
import { REF, TINY_HYPERPRIOR, runCli, runJson } from './run-cli.js';
import type { CompressResult } from '../../src/cli/commands/compress.js';
import type { DecompressResult } from '../../src/cli/commands/decompress.js';

const dir = mkdtempSync(join(tmpdir(), 'advlic-compress-'));
const alic = join(dir, 'x.alic');
before(() => initEngine());
after(() => rmSync(dir, { recursive: true, force: true }));

test('compress → decompress (64x128, tiny hyperprior): same pixels as the model, bpp = file bytes * 8 / pixels', async () => {
  const c = await runJson<CompressResult>(['compress', `${REF}/input.png`, '--model', TINY_HYPERPRIOR, '-o', alic]);
  const size = statSync(alic).size;
  assert.equal(c.bytes, size);
  assert.equal(c.width * c.height, 64 * 128);
  assert.equal(c.bpp, (size * 8) / (64 * 128));

  const rec = join(dir, 'rec.png');
  const d = await runJson<DecompressResult>(['decompress', alic, '--model', TINY_HYPERPRIOR, '-o', rec]);
  assert.deepEqual([d.width, d.height], [128, 64]);

  const codec = await LearnedCodec.fromWeightsFile(TINY_HYPERPRIOR);
  try {
    const bytes = new Uint8Array(readFileSync(alic));
    const direct = await codec.decompress(bytes);
    assert.deepEqual(to8bit(await readImage(rec)), to8bit(direct));
    // The CLI's bitstream is what the library writes for the same image.
    assert.deepEqual(await codec.compress(await readImage(`${REF}/input.png`)), bytes);
  } finally {
    codec.dispose();
  }
  // CompressAI's y + z strings are 340 bytes; the container adds its header and CRC.
  assert.ok(size > 340 && size < 340 + 128, `container size ${size}`);
});

test('decompress refuses corrupted, truncated and missing bitstreams with a one-line error', async () => {
  const good = readFileSync(alic);
  const flipped = Buffer.from(good);
  flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
  const cases: Array<[string, Buffer]> = [
    ['corrupt.alic', flipped],
    ['truncated.alic', good.subarray(0, good.length - 7)],
  ];
  for (const [name, bytes] of cases) {
    writeFileSync(join(dir, name), bytes);
    const r = await runCli(['decompress', join(dir, name), '--model', TINY_HYPERPRIOR, '-o', join(dir, 'bad.png')]);
    assert.notEqual(r.code, 0, name);
    assert.match(r.stderr, /^advlic: error \[E_BITSTREAM\]: [^\n]+\n$/, `${name}: ${r.stderr}`);
  }
  const missing = await runCli(['decompress', join(dir, 'nope.alic'), '-o', join(dir, 'bad.png')]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /^advlic: error \[E_BITSTREAM\]: cannot read bitstream [^\n]+\n$/);
  // Without --model and without a shipped model of these weights: a clear refusal.
  const unknown = await runCli(['decompress', alic, '--weights-dir', dir, '-o', join(dir, 'bad.png')]);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /E_MODEL_UNKNOWN.*pass --model/);
});

test('decompress refuses a bitstream decoded with other weights', async () => {
  const other = `${REF}/bmshj2018-factorized-q1-tiny.pth.tar`;
  const r = await runCli(['decompress', alic, '--model', other, '-o', join(dir, 'bad.png')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^advlic: error \[E_BITSTREAM\]: [^\n]+\n$/);
});
