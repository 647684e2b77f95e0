import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { weightsHash } from '../../src/experiments/weights-hash.js';
import { PACKAGE_ROOT } from '../../src/version.js';

const manifestSha = (stem: string) => (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'weights', `${stem}.json`), 'utf8')) as { sha256: string }).sha256;

test('weightsHash of a shipped name is its own manifest hash, not that of a variant with the same arch and quality', () => {
  // weights/ ships bmshj2018-hyperprior-q4-advtrain.json beside bmshj2018-hyperprior-q4.json; the
  // variant's manifest sorts first, and the grid used to key plain @4 jobs with its hash.
  const base = manifestSha('bmshj2018-hyperprior-q4');
  assert.notEqual(base, manifestSha('bmshj2018-hyperprior-q4-advtrain'));
  assert.equal(weightsHash({ name: 'bmshj2018-hyperprior' }, 4, PACKAGE_ROOT), base);
  assert.equal(weightsHash({ name: 'mbt2018' }, 4, PACKAGE_ROOT), manifestSha('mbt2018-q4'));
  assert.equal(weightsHash({ name: 'jpeg' }, 75, PACKAGE_ROOT), 'none');
  assert.equal(weightsHash({ name: 'bmshj2018-hyperprior' }, 8, PACKAGE_ROOT), 'unresolved:bmshj2018-hyperprior@8');
});
