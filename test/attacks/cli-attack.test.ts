import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { CliContext } from '../../src/cli/context.js';
import { parseFraction, register } from '../../src/cli/commands/attack.js';
import { readImage } from '../../src/image/read.js';
import { SHARED_DIR } from '../../src/shared-data.js';

const REF = `${SHARED_DIR}/reference/compressai`;
const CKPT = join(REF, 'bmshj2018-hyperprior-q1-tiny.pth.tar');
const IMAGE = join(REF, 'input.png');

/** The command alone (main() loads every command; this isolates `attack`). */
async function runAttack(args: string[]): Promise<unknown> {
  const program = new Command('advlic').exitOverride().option('--json');
  let printed: unknown;
  const ctx: CliContext = { json: true, engine: 'cpu', print: (r) => void (printed = r), log: () => {} };
  register(program, () => ctx);
  await program.parseAsync(args, { from: 'user' });
  return printed;
}

test('parseFraction accepts 8/255 and decimals, rejects junk', () => {
  assert.equal(parseFraction('8/255', '--eps'), 8 / 255);
  assert.equal(parseFraction('0.03', '--eps'), 0.03);
  assert.throws(() => parseFraction('eight', '--eps'), /--eps/);
});

test('advlic attack writes the images and an honest result.json', { skip: !existsSync(CKPT) && `missing ${CKPT}` }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'advlic-attack-'));
  const printed = await runAttack(['attack', '--model', CKPT, '--method', 'pgd', '--goal', 'rate:1,distortion:100', '--eps', '4/255', '--steps', '3', IMAGE, '-o', out]);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  assert.deepEqual(JSON.parse(JSON.stringify(printed)), result);
  assert.equal(result.attack.name, 'pgd');
  assert.match(result.weightsHash, /^[0-9a-f]{64}$/);
  assert.equal(typeof result.codeVersion, 'string');
  assert.equal(result.attack.options.steps, 3);
  assert.equal(result.perturbation.linf255, 4);
  assert.equal(result.counts.backward, 3);
  assert.ok(result.attacked.bppReal > 0 && result.clean.psnr > 0);
  const input = await readImage(IMAGE);
  for (const f of ['adversarial', 'recon-clean', 'recon-attacked', 'perturbation']) {
    const img = await readImage(join(out, `${f}.png`));
    assert.equal(img.width, input.width, f);
  }
  assert.equal((await readImage(join(out, 'side-by-side.png'))).width, 4 * input.width);
  rmSync(out, { recursive: true, force: true });
});

test('advlic attack rejects a bad budget flag', async () => {
  await assert.rejects(runAttack(['attack', '--model', CKPT, '--norm', 'l3', IMAGE, '-o', '/tmp/x']), /--norm/);
});
