/**
 * Every classical codec round-trips a 96x64 Kodak crop with plausible PSNR, real bytes whose bpp
 * grows with quality, and refuses garbage and truncated bitstreams with a one-line
 * BitstreamError naming the codec. A codec whose tool is missing is skipped, naming the tool.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readImage } from '../../src/image/read.js';
import { psnr } from '../../src/metrics/psnr.js';
import { bppFromBytes } from '../../src/metrics/bpp.js';
import { CLASSICAL_CODECS, classicalCodecFromSpec } from '../../src/classical/registry.js';
import { findTool } from '../../src/classical/run-tool.js';
import { BitstreamError, ToolMissingError } from '../../src/errors.js';
import type { RgbImage } from '../../src/image/types.js';
import { SHARED_DIR } from '../../src/shared-data.js';

const KODIM23 = `${SHARED_DIR}/data/kodak/kodim23.png`;

function crop(img: RgbImage, left: number, top: number, w: number, h: number): RgbImage {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + w) * 3), y * w * 3);
  return { width: w, height: h, data };
}

const full = await readImage(KODIM23);
/** Parrot head and feathers: texture and colour edges. */
const IMG = crop(full, 300, 180, 96, 64);

async function missingTools(tools: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of tools) if (!(await findTool(t))) out.push(t);
  return out;
}

/** Common-scale qualities: low, mid, high. */
const QUALITIES = [30, 60, 90];

for (const def of CLASSICAL_CODECS) {
  const missing = await missingTools(def.tools);
  const skip = missing.length ? `${def.name}: tool ${missing.join(', ')} not found on PATH` : false;

  test(`${def.name}: round trip at 3 qualities — size kept, PSNR plausible, bpp monotone`, { skip }, async () => {
    const bpps: number[] = [];
    const psnrs: number[] = [];
    for (const q of QUALITIES) {
      const codec = (await classicalCodecFromSpec(`${def.name}@${q}`))!;
      const bytes = await codec.compress(IMG);
      const back = await codec.decompress(bytes);
      assert.equal(back.width, IMG.width);
      assert.equal(back.height, IMG.height);
      assert.equal(back.data.length, IMG.data.length);
      bpps.push(bppFromBytes(bytes, IMG.width, IMG.height));
      psnrs.push(psnr(IMG, back));
    }
    assert.ok(bpps[0]! > 0.05, `${def.name}: bpp ${bpps[0]} at q30`);
    assert.ok(bpps[0]! < bpps[1]! && bpps[1]! < bpps[2]!, `${def.name}: bpp not increasing with quality: ${bpps.join(', ')}`);
    assert.ok(psnrs[1]! > 25, `${def.name}: PSNR ${psnrs[1]} dB at q60`);
    assert.ok(psnrs[0]! < psnrs[2]!, `${def.name}: PSNR not increasing with quality: ${psnrs.join(', ')}`);
    assert.ok(psnrs[2]! < 70 && bpps[2]! < 24, `${def.name}: q90 should still be lossy`);
  });

  test(`${def.name}: garbage, truncated and foreign bytes are refused with a BitstreamError`, { skip }, async () => {
    const codec = (await classicalCodecFromSpec(`${def.name}@60`))!;
    const good = await codec.compress(IMG);
    const garbage = Uint8Array.from({ length: 400 }, (_, i) => (i * 7919 + 13) & 255);
    const foreign = await (await classicalCodecFromSpec(def.name === 'jpeg' ? 'webp@60' : 'jpeg@60'))!.compress(IMG);
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['garbage', garbage],
      ['foreign', foreign],
      ['truncated to 60 %', good.subarray(0, Math.floor(good.length * 0.6))],
      ['last 3 bytes cut', good.subarray(0, good.length - 3)],
    ];
    for (const [what, bytes] of cases) {
      await assert.rejects(
        codec.decompress(bytes),
        (e: unknown) => e instanceof BitstreamError && (e as Error).message.startsWith(`${def.name}:`) && !(e as Error).message.includes('\n'),
        `${def.name}: ${what} bytes were not refused with a one-line BitstreamError`,
      );
    }
  });

  if (missing.length) {
    test(`${def.name}: a missing tool is reported by name (ToolMissingError)`, async () => {
      const codec = (await classicalCodecFromSpec(`${def.name}@60`))!;
      await assert.rejects(codec.compress(IMG), (e: unknown) => e instanceof ToolMissingError && (e as Error).message.includes(missing[0]!));
    });
  }
}

test('hevc 4:2:0: odd sizes are padded and cropped back (crop NAL)', { skip: (await findTool('ffmpeg')) ? false : 'hevc: tool ffmpeg not found on PATH' }, async () => {
  const odd = crop(full, 300, 180, 95, 63);
  for (const spec of ['hevc@qp22', 'hevc@qp22:444']) {
    const codec = (await classicalCodecFromSpec(spec))!;
    const back = await codec.decompress(await codec.compress(odd));
    assert.equal(back.width, 95);
    assert.equal(back.height, 63);
    assert.ok(psnr(odd, back) > 30, `${spec}: PSNR ${psnr(odd, back)}`);
  }
});

test('jpeg: 4:4:4 spends more bits than 4:2:0 at the same quality', async () => {
  const b420 = await (await classicalCodecFromSpec('jpeg@75'))!.compress(IMG);
  const b444 = await (await classicalCodecFromSpec('jpeg@75:444'))!.compress(IMG);
  assert.ok(b444.length > b420.length, `${b444.length} vs ${b420.length}`);
});
