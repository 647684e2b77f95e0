import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageReadError, ImageSizeError } from '../../src/errors.js';
import { decodeImage, readImage, readImageWithInfo } from '../../src/image/read.js';
import { encodePng, writePng } from '../../src/image/write.js';
import { from8bit, quantize8, to8bit } from '../../src/image/convert.js';
import { SHARED_DIR } from '../../src/shared-data.js';

const W = 7;
const H = 5;
let dir: string;
// A deterministic 8-bit RGB pattern covering 0 and 255.
const rgb8 = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37 + (i % 3) * 91) % 256);
rgb8[0] = 0;
rgb8[1] = 255;
const rawOpts = { raw: { width: W, height: H, channels: 3 as const } };
const quiet = { warn: () => undefined };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'advlic-image-io-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, bytes: Uint8Array | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

test('8-bit PNG, lossless WebP and TIFF read back exactly as stored', async () => {
  const files = {
    png: await sharp(rgb8, rawOpts).png().toBuffer(),
    webp: await sharp(rgb8, rawOpts).webp({ lossless: true }).toBuffer(),
    tiff: await sharp(rgb8, rawOpts).tiff({ compression: 'lzw' }).toBuffer(),
  };
  for (const [format, bytes] of Object.entries(files)) {
    const { image, info } = await readImageWithInfo(await fixture(`a.${format}`, bytes));
    assert.deepEqual([image.width, image.height, info.format, info.bitDepth, info.hadAlpha], [W, H, format, 8, false]);
    assert.deepEqual(Array.from(to8bit(image)), Array.from(rgb8), format);
    assert.equal(image.data[1], 1);
    assert.equal(image.data[3], Math.fround(rgb8[3]! / 255));
  }
});

test('JPEG decodes to RGB of the right size, close to the source', async () => {
  const smooth = Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => 64 + ((i / 3) % 32) * 2);
  const jpg = await sharp(smooth, { raw: { width: 32, height: 32, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
  const { image, info } = await readImageWithInfo(await fixture('a.jpg', jpg));
  assert.equal(info.format, 'jpeg');
  assert.deepEqual([image.width, image.height, image.data.length], [32, 32, 32 * 32 * 3]);
  const back = to8bit(image);
  let maxErr = 0;
  for (let i = 0; i < back.length; i++) maxErr = Math.max(maxErr, Math.abs(back[i]! - smooth[i]!));
  assert.ok(maxErr <= 6, `JPEG q95 error ${maxErr}`);
});

test('16-bit PNG and TIFF are scaled by 1/65535 exactly', async () => {
  const u16 = Uint16Array.from({ length: W * H * 3 }, (_, i) => (i * 4099 + 17) % 65536);
  u16[0] = 65535;
  for (const fmt of ['png', 'tiff'] as const) {
    const enc = sharp(u16, rawOpts).toColourspace('rgb16');
    const bytes = await (fmt === 'png' ? enc.png() : enc.tiff({ compression: 'lzw' })).toBuffer();
    const { image, info } = await readImageWithInfo(await fixture(`b16.${fmt}`, bytes));
    assert.equal(info.bitDepth, 16, fmt);
    assert.equal(image.data[0], 1);
    for (let i = 0; i < u16.length; i++) assert.equal(image.data[i], Math.fround(u16[i]! / 65535), `${fmt} sample ${i}`);
  }
});

test('grayscale is replicated to RGB (8 and 16 bit)', async () => {
  const g8 = Uint8Array.from({ length: W * H }, (_, i) => i * 7);
  const { image, info } = await readImageWithInfo(await fixture('g.png', await sharp(g8, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png().toBuffer()));
  assert.equal(info.wasGray, true);
  for (let p = 0; p < W * H; p++) for (let c = 0; c < 3; c++) assert.equal(image.data[p * 3 + c], Math.fround(g8[p]! / 255));
  const g16 = Uint16Array.from({ length: W * H }, (_, i) => i * 1801);
  const png16 = await sharp(g16, { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toBuffer();
  const r16 = await readImageWithInfo(await fixture('g16.png', png16));
  assert.equal(r16.info.bitDepth, 16);
  for (let p = 0; p < W * H; p++) for (let c = 0; c < 3; c++) assert.equal(r16.image.data[p * 3 + c], Math.fround(g16[p]! / 65535));
});

test('alpha is dropped (not composited), flagged, and warned about in one line', async () => {
  const rgba = new Uint8Array(W * H * 4);
  for (let p = 0; p < W * H; p++) {
    rgba.set(rgb8.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = p % 2 ? 0 : 128;
  }
  const path = await fixture('alpha.png', await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer());
  const warnings: string[] = [];
  const { image, info } = await readImageWithInfo(path, { warn: (m) => warnings.push(m) });
  assert.equal(info.hadAlpha, true);
  assert.deepEqual(Array.from(to8bit(image)), Array.from(rgb8));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /alpha\.png.*alpha/);
  assert.ok(!warnings[0]!.includes('\n'));
});

test('EXIF orientation is reported but not applied', async () => {
  const jpg = await sharp(rgb8, rawOpts).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
  const { image, info } = await readImageWithInfo(await fixture('rot.jpg', jpg));
  assert.equal(info.exifOrientation, 6);
  assert.deepEqual([image.width, image.height], [W, H]);
});

test('errors: missing, empty, text renamed .png, truncated, oversize', async () => {
  const png = await sharp(Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 31) % 251), { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
  const cases: Array<[string, () => Promise<unknown>, new (...a: never[]) => Error, RegExp]> = [
    ['missing', () => readImage(join(dir, 'nope.png')), ImageReadError, /nope\.png: no such file/],
    ['empty', async () => readImage(await fixture('empty.png', new Uint8Array(0))), ImageReadError, /empty\.png.*empty/],
    ['text', async () => readImage(await fixture('text.png', Buffer.from('hello, not an image\n'))), ImageReadError, /text\.png.*not a recognised image/],
    ['truncated', async () => readImage(await fixture('trunc.png', png.subarray(0, Math.floor(png.length / 2)))), ImageReadError, /trunc\.png.*truncated or corrupt/],
    ['oversize', async () => readImage(await fixture('big.png', png), { maxPixels: 4000 }), ImageSizeError, /big\.png is 64x64 = 4096 pixels, above the limit of 4000/],
  ];
  for (const [name, run, cls, re] of cases) {
    await assert.rejects(run, (err: Error) => {
      assert.ok(err instanceof cls, `${name}: got ${err.name}: ${err.message}`);
      assert.match(err.message, re, name);
      assert.ok(!err.message.includes('\n'), `${name}: one line`);
      return true;
    });
  }
  // The same bytes within the limit are fine.
  assert.equal((await readImage(join(dir, 'big.png'), { maxPixels: 4096 })).width, 64);
});

test('decodeImage reads in-memory bytes', async () => {
  const img = await decodeImage(await sharp(rgb8, rawOpts).png().toBuffer(), quiet);
  assert.deepEqual(Array.from(to8bit(img)), Array.from(rgb8));
  await assert.rejects(() => decodeImage(new Uint8Array([1, 2, 3])), ImageReadError);
});

test('writePng is lossless at 8 bits, rounds to nearest, clamps, and leaves no temp file', async () => {
  const img = from8bit(rgb8, W, H);
  const path = join(dir, 'out.png');
  await writePng(path, img);
  assert.deepEqual(Array.from(to8bit(await readImage(path))), Array.from(rgb8));
  const odd = { width: 2, height: 1, data: Float32Array.from([-0.2, 1.3, 0.5, 0.5 / 255 - 1e-6, 0.5 / 255 + 1e-6, 254.49 / 255]) };
  await writePng(path, odd);
  assert.deepEqual(Array.from(to8bit(await readImage(path))), [0, 255, 128, 0, 1, 254]);
  assert.deepEqual((await readdir(dir)).filter((f) => f.includes('.tmp')), []);
  // Deterministic bytes: encoding twice gives the same file.
  assert.deepEqual(Buffer.from(await encodePng(img)), Buffer.from(await encodePng(img)));
});

test('quantize8 maps to 8-bit levels and is idempotent', () => {
  const img = { width: 1, height: 1, data: Float32Array.from([0.1234, 0.9999, 2]) };
  const q = quantize8(img);
  assert.deepEqual(Array.from(q.data), [31, 255, 255].map((v) => Math.fround(v / 255)));
  assert.deepEqual(quantize8(q).data, q.data);
});

const REF = `${SHARED_DIR}/reference/compressai`;
test('matches CompressAI/torchvision loading of its reference input.png (input.f32, NCHW)', { skip: !existsSync(`${REF}/input.f32`) && 'reference data not present' }, async () => {
  const img = await readImage(`${REF}/input.png`);
  const f32 = await readFile(`${REF}/input.f32`);
  const ref = new Float32Array(f32.buffer, f32.byteOffset, f32.length / 4);
  assert.deepEqual([img.width, img.height], [128, 64]);
  const plane = img.width * img.height;
  let mismatches = 0;
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) if (img.data[p * 3 + c] !== ref[c * plane + p]) mismatches++;
  assert.equal(mismatches, 0);
});
