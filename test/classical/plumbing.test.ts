import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendTrailer, HEVC_NAL, stripTrailer, VVC_NAL } from '../../src/classical/annexb-trailer.js';
import { decodePpm, encodePpm } from '../../src/classical/ppm.js';
import { findTool, runTool, withTempDir } from '../../src/classical/run-tool.js';
import { parseY4m } from '../../src/classical/y4m.js';
import { rgbToYuv, yuvToBytes, yuvToRgb } from '../../src/classical/yuv.js';
import { classicalCodecFromSpec } from '../../src/classical/registry.js';
import { BitstreamError, CodecError, ToolMissingError } from '../../src/errors.js';
import { to8bit } from '../../src/image/convert.js';
import type { RgbImage } from '../../src/image/types.js';

function pattern(w: number, h: number): RgbImage {
  const data = new Float32Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 37 + (i % 7) * 11) % 256) / 255;
  return { width: w, height: h, data };
}

test('ppm: exact 8-bit round trip, 16-bit input, refusals', () => {
  const img = pattern(7, 5);
  const back = decodePpm(encodePpm(img));
  assert.deepEqual(to8bit(back), to8bit(img));
  const wide = Buffer.concat([Buffer.from('P6\n# comment\n1 1\n65535\n'), Buffer.from([0xff, 0xff, 0x80, 0x00, 0, 0])]);
  const px = decodePpm(wide).data;
  assert.equal(px[0], 1);
  assert.ok(Math.abs(px[1]! - 0x8000 / 65535) < 1e-7);
  assert.throws(() => decodePpm(Buffer.from('P5\n1 1\n255\n\0')), /not a binary PPM/);
  assert.throws(() => decodePpm(encodePpm(img).subarray(0, 20)), /truncated/);
});

test('yuv: 4:4:4 full-range BT.601 round trip is within two 8-bit levels', () => {
  const img = pattern(9, 6);
  const f = rgbToYuv(img, '444');
  const q = parseY4m(Buffer.concat([Buffer.from(`YUV4MPEG2 W9 H6 F25:1 C444\nFRAME\n`), yuvToBytes(f)]));
  const back = yuvToRgb(q, 9, 6);
  const a = to8bit(img);
  const b = to8bit(back);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  assert.ok(worst <= 2, `max error ${worst} levels`);
});

test('yuv: 4:2:0 pads odd sizes to even and keeps flat colours exact', () => {
  const flat: RgbImage = { width: 5, height: 3, data: new Float32Array(45).map((_, i) => [0.8, 0.3, 0.1][i % 3]!) };
  const f = rgbToYuv(flat, '420');
  assert.deepEqual([f.width, f.height, f.cb.length], [6, 4, 6]);
  const back = yuvToRgb(f, 5, 3);
  const a = to8bit(flat);
  const b = to8bit(back);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1);
});

test('y4m: 10-bit samples are rescaled to 8-bit units; extra frames refused', () => {
  const samples = Buffer.alloc(2 * (4 + 2));
  samples.writeUInt16LE(1020, 0); // 255 in 10-bit
  const y4m = Buffer.concat([Buffer.from('YUV4MPEG2 W2 H2 C420p10\nFRAME\n'), samples]);
  assert.equal(parseY4m(y4m).y[0], 255);
  assert.throws(() => parseY4m(Buffer.concat([y4m, Buffer.from('FRAME\n')])), /more than one frame/);
});

test('annexb trailer: crop round trip, missing end marker refused, both dialects', () => {
  const stream = Uint8Array.from([0, 0, 0, 1, 0x40, 1, 9, 9, 9]);
  for (const d of [HEVC_NAL, VVC_NAL]) {
    const withCrop = appendTrailer(stream, d, { width: 95, height: 63 });
    const out = stripTrailer(withCrop, d);
    assert.deepEqual([...out.stream], [...stream]);
    assert.deepEqual(out.crop, { width: 95, height: 63 });
    assert.equal(stripTrailer(appendTrailer(stream, d), d).crop, undefined);
    assert.equal(appendTrailer(stream, d).length - stream.length, 5);
    assert.throws(() => stripTrailer(withCrop.subarray(0, withCrop.length - 1), d), BitstreamError);
  }
});

test('run-tool: timeout kills the tool, missing tool named, stderr in the message, temp dir removed', async () => {
  await assert.rejects(runTool('sleep', ['5'], { codec: 'x', timeoutMs: 200 }), (e: unknown) => e instanceof CodecError && /timed out after 200 ms/.test((e as Error).message));
  await assert.rejects(runTool('advlic-no-such-tool', [], { codec: 'x' }), (e: unknown) => e instanceof ToolMissingError && /advlic-no-such-tool/.test((e as Error).message));
  await assert.rejects(runTool('sh', ['-c', 'echo boom >&2; exit 3'], { codec: 'x' }), /x: sh failed \(exit code 3\): boom/);
  let kept = '';
  await assert.rejects(withTempDir('t', async (dir) => { kept = dir; throw new Error('inner'); }), /inner/);
  assert.equal(existsSync(kept), false);
});

test('hevc: garbage behind a valid end marker is refused by the decoder', { skip: (await findTool('ffmpeg')) ? false : 'hevc: tool ffmpeg not found on PATH' }, async () => {
  const codec = (await classicalCodecFromSpec('hevc@qp30'))!;
  const garbage = appendTrailer(Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 255), HEVC_NAL);
  await assert.rejects(codec.decompress(garbage), (e: unknown) => e instanceof BitstreamError && /^hevc:/.test((e as Error).message));
});

test('hevc :md5: a flipped byte inside the slice is refused; without it the id and bytes differ only by the hash', { skip: (await findTool('ffmpeg')) ? false : 'hevc: tool ffmpeg not found on PATH' }, async () => {
  const img = pattern(64, 48);
  const plain = (await classicalCodecFromSpec('hevc@qp30'))!;
  const hashed = (await classicalCodecFromSpec('hevc@qp30:md5'))!;
  assert.equal(hashed.id, 'hevc@qp30:420:md5');
  const a = await plain.compress(img);
  const b = await hashed.compress(img);
  assert.ok(b.length - a.length >= 40 && b.length - a.length <= 70, `hash SEI costs ${b.length - a.length} bytes`);
  await hashed.decompress(b); // intact stream verifies
  const bad = Uint8Array.from(b);
  bad[Math.floor(bad.length / 2)] ^= 0x5a;
  await assert.rejects(hashed.decompress(bad), (e: unknown) => e instanceof BitstreamError && /^hevc:.*checksum/.test((e as Error).message));
});
