import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { writePng } from '../../src/image/write.js';
import { referenceMsSsim, referenceSsim } from './msssim-reference.js';
import { synthetic } from './fixtures.js';
import { psnr } from '../../src/metrics/psnr.js';

let dir: string;
const a = synthetic(170, 165, 0.2);
const b = synthetic(170, 165, 0.35);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'advlic-cli-metrics-'));
  await writePng(join(dir, 'a.png'), a);
  await writePng(join(dir, 'b.png'), b);
  await writePng(join(dir, 'small.png'), synthetic(40, 30, 0));
  await writePng(join(dir, 'small2.png'), synthetic(40, 30, 0.1));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the CLI, capturing the strings it writes to stdout and stderr. Buffers pass through:
 * node's test runner reports to its parent over stdout in binary, possibly mid-test.
 * process.exitCode is isolated because main() reports it as the command's exit code.
 */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = process.stdout.write;
  const e = process.stderr.write;
  const capture = (orig: typeof o, stream: NodeJS.WriteStream, append: (s: string) => void) =>
    ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') return append(chunk), true;
      return (orig as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof o;
  const savedExit = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = capture(o, process.stdout, (s) => (out += s));
  process.stderr.write = capture(e, process.stderr, (s) => (err += s));
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
    process.exitCode = savedExit;
  }
}

test('advlic metrics --json prints PSNR, SSIM, MS-SSIM (dB) matching the reference', async () => {
  const r = await run(['--json', '--engine', 'cpu', 'metrics', join(dir, 'a.png'), join(dir, 'b.png')]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual([j.width, j.height], [170, 165]);
  assert.ok(Math.abs(j.psnr - psnr(a, b)) < 1e-9);
  assert.ok(Math.abs(j.ssim - referenceSsim(a.data, b.data, 170, 165)) < 1e-5);
  assert.ok(Math.abs(j.msSsim - referenceMsSsim(a.data, b.data, 170, 165)) < 1e-5);
  assert.ok(Math.abs(j.msSsimDb + 10 * Math.log10(1 - j.msSsim)) < 1e-9);
});

test('advlic metrics: identical images give psnr null (infinite) in JSON and "inf" for humans', async () => {
  const j = await run(['--json', '--engine', 'cpu', 'metrics', join(dir, 'a.png'), join(dir, 'a.png')]);
  assert.equal(JSON.parse(j.out).psnr, null);
  const h = await run(['--engine', 'cpu', 'metrics', join(dir, 'a.png'), join(dir, 'a.png')]);
  assert.equal(h.code, 0);
  assert.match(h.out, /PSNR\s+inf/);
});

test('advlic metrics: small images get MS-SSIM null with a note; different sizes are refused', async () => {
  const s = await run(['--json', '--engine', 'cpu', 'metrics', join(dir, 'small.png'), join(dir, 'small2.png')]);
  assert.equal(s.code, 0, s.err);
  const j = JSON.parse(s.out);
  assert.equal(j.msSsim, null);
  assert.ok(j.ssim > 0 && j.ssim < 1);
  assert.match(s.err, /MS-SSIM needs both image sides > 160 px/);
  const d = await run(['--json', '--engine', 'cpu', 'metrics', join(dir, 'a.png'), join(dir, 'small.png')]);
  assert.equal(d.code, 1);
  assert.equal(JSON.parse(d.out).error.code, 'E_IMAGE_SHAPE');
  assert.match(d.err, /differ in size.*170x165.*40x30/);
  const m = await run(['metrics', join(dir, 'missing.png'), join(dir, 'a.png')]);
  assert.equal(m.code, 1);
  assert.match(m.err, /E_IMAGE_READ.*missing\.png/);
});
