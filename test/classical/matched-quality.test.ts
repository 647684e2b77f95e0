import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchQualityToBpp } from '../../src/classical/matched-quality.js';
import { classicalCodecFromSpec } from '../../src/classical/registry.js';
import { findTool } from '../../src/classical/run-tool.js';
import { ConfigError } from '../../src/errors.js';
import { readImage } from '../../src/image/read.js';
import { bppFromBytes } from '../../src/metrics/bpp.js';
import type { RgbImage } from '../../src/image/types.js';
import { SHARED_DIR } from '../../src/shared-data.js';

const full = await readImage(`${SHARED_DIR}/data/kodak/kodim23.png`);
const IMG: RgbImage = (() => {
  const w = 96, h = 64, data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(full.data.subarray(((180 + y) * full.width + 300) * 3, ((180 + y) * full.width + 396) * 3), y * w * 3);
  return { width: w, height: h, data };
})();

async function bppOf(spec: string): Promise<number> {
  return bppFromBytes(await (await classicalCodecFromSpec(spec))!.compress(IMG), IMG.width, IMG.height);
}

test('matched quality (jpeg, integer q): the closest q, checked against its neighbours', async () => {
  const target = 1.5;
  const m = await matchQualityToBpp('jpeg:444', IMG, target);
  assert.match(m.spec, /^jpeg@q\d+:444$/);
  assert.equal(m.bpp, bppFromBytes(m.bytes, IMG.width, IMG.height));
  const q = m.value;
  for (const nq of [q - 1, q + 1].filter((v) => v >= 1 && v <= 100)) {
    assert.ok(Math.abs(m.bpp - target) <= Math.abs((await bppOf(`jpeg@q${nq}:444`)) - target) + 1e-12, `q${nq} is closer than q${q}`);
  }
  assert.ok(m.encodes <= 10, `${m.encodes} encodes`);
});

test('matched quality (jxl, continuous distance) lands within 2 % of the target', { skip: (await findTool('cjxl')) ? false : 'jxl: tool cjxl not found on PATH' }, async () => {
  const m = await matchQualityToBpp('jxl', IMG, 1.2, { tolerance: 0.02 });
  assert.ok(Math.abs(m.bpp - 1.2) / 1.2 <= 0.02, `bpp ${m.bpp}`);
  assert.match(m.spec, /^jxl@d[0-9.]+$/);
});

test('matched quality: out-of-range targets return the extreme setting; bad input refused', async () => {
  const tiny = await matchQualityToBpp('jpeg', IMG, 0.001);
  assert.equal(tiny.value, 1);
  const huge = await matchQualityToBpp('jpeg', IMG, 50);
  assert.equal(huge.value, 100);
  await assert.rejects(matchQualityToBpp('bmshj2018-hyperprior', IMG, 1), ConfigError);
  await assert.rejects(matchQualityToBpp('jpeg', IMG, 0), ConfigError);
});
