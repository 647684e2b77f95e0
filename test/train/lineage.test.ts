import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lineageOf } from '../../src/train/write-weights.js';
import { SHARED_DIR } from '../../src/shared-data.js';

test('lineageOf: a CompressAI checkpoint or a missing init has no lineage (and never throws: the trained weights must still be written)', async () => {
  // A .pth.tar has no manifest; it used to be read as JSON itself and throw after training.
  assert.deepEqual(await lineageOf(join(SHARED_DIR, 'reference', 'compressai', 'bmshj2018-factorized-q1-tiny.pth.tar')), []);
  assert.deepEqual(await lineageOf(undefined), []);
  assert.deepEqual(await lineageOf('/no/such/weights.safetensors'), []);
});
