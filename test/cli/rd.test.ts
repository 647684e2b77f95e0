import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import type { ModelsListResult } from '../../src/cli/commands/models.js';
import { PACKAGE_ROOT } from '../../src/version.js';
import { REF, TINY_HYPERPRIOR, runCli, runJson } from './run-cli.js';
import type { RdResult } from '../../src/report/rd-curves.js';
import { listClassical } from '../../src/report/rd-classical.js';
import { SHARED_DIR } from '../../src/shared-data.js';
import { resetToolCache } from '../../src/classical/run-tool.js';

const dir = mkdtempSync(join(tmpdir(), 'advlic-rd-'));
const data = join(dir, 'data');
before(async () => {
  await sharp(`${SHARED_DIR}/data/kodak/kodim01.png`).extract({ left: 300, top: 100, width: 128, height: 64 }).png().toFile(join(dir, 'a.png'));
  await sharp(`${REF}/input.png`).png().toFile(join(dir, 'b.png'));
  mkdirSync(data, { recursive: true });
  for (const f of ['a.png', 'b.png']) renameSync(join(dir, f), join(data, f));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('rd: tiny hyperprior + jpeg sweep on 2 images → json/csv/md/svg, means per setting, BD vs jpeg', async () => {
  const out = join(dir, 'out');
  const r = await runJson<RdResult & { files: Record<string, string> }>(['rd', '--models', TINY_HYPERPRIOR, '--codecs', 'jpeg,webp@50', '--data', data, '-o', out]);
  const sweep = (await listClassical()).find((c) => c.name === 'jpeg')!.qualities;
  assert.deepEqual(r.images, ['a.png', 'b.png']);
  assert.equal(r.points.length, 1 + sweep.length + 1);
  const learned = r.points.find((p) => p.kind === 'learned')!;
  assert.equal(learned.curve, 'bmshj2018-hyperprior-q1-tiny');
  assert.equal(learned.images, 2);
  // The point names the weights it measured (classical points have none).
  assert.equal(learned.weightsSha256, createHash('sha256').update(readFileSync(TINY_HYPERPRIOR)).digest('hex'));
  assert.ok(r.points.filter((p) => p.kind === 'classical').every((p) => p.weightsSha256 === undefined));

  // Every point is the mean over the images of what `eval` measures.
  const ev = await runJson<{ models: Array<{ mean: { bppReal: number; psnr: number } }> }>(['eval', '--model', 'jpeg@q50', data]);
  const q50 = r.points.find((p) => p.spec === 'jpeg@q50')!;
  assert.equal(q50.bpp, ev.models[0]!.mean.bppReal);
  assert.equal(q50.psnr, ev.models[0]!.mean.psnr);

  // JPEG: rate and quality grow along the sweep.
  const jpeg = r.points.filter((p) => p.curve === 'jpeg');
  for (let i = 1; i < jpeg.length; i++) assert.ok(jpeg[i]!.bpp > jpeg[i - 1]!.bpp && jpeg[i]!.psnr! > jpeg[i - 1]!.psnr!);

  // One point cannot make a BD curve: reported as null with the reason; webp@50 likewise.
  const bdLearned = r.bd.find((b) => b.curve === learned.curve)!;
  assert.equal(bdLearned.bdRate, null);
  assert.match(bdLearned.note!, /point/);
  assert.ok(!r.bd.some((b) => b.curve === 'jpeg'));

  const csv = readFileSync(join(out, 'rd.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 1 + r.points.length);
  assert.match(csv[0]!, /^curve,kind,spec,codec,images,bpp,psnr/);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'rd.json'), 'utf8')), { images: r.images, points: r.points, bd: r.bd });
  assert.match(readFileSync(join(out, 'rd.md'), 'utf8'), /\| jpeg \| jpeg@q50:420 \|/);
  const svg = readFileSync(join(out, 'rd.svg'), 'utf8');
  assert.match(svg, /^<svg[^>]*>/);
  assert.match(svg, /bmshj2018-hyperprior-q1-tiny/);
});

test('rd: a webp sweep gets a BD-rate against jpeg; unknown codecs are refused', async () => {
  const r = await runJson<RdResult>(['rd', '--codecs', 'webp', '--data', join(data, 'a.png'), '-o', join(dir, 'out2')]);
  const bd = r.bd.find((b) => b.curve === 'webp')!;
  assert.equal(bd.anchor, 'jpeg');
  assert.ok(Number.isFinite(bd.bdRate) && Number.isFinite(bd.bdPsnr), JSON.stringify(bd));
  // BD-rate and BD-PSNR agree in sign (fewer bits ⇔ more dB).
  assert.ok(Math.sign(bd.bdRate!) === -Math.sign(bd.bdPsnr!));
  const bad = await runCli(['rd', '--codecs', 'nosuchcodec', '--data', data, '-o', join(dir, 'out3')]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /^advlic: error \[E_MODEL_UNKNOWN\]: unknown classical codec "nosuchcodec"[^\n]*\n$/);
});

test('rd: an architecture name means all its shipped qualities (one curve, sorted by quality)', async () => {
  const w = join(dir, 'weights');
  for (const q of ['2', '1']) {
    await runJson(['models', 'import', TINY_HYPERPRIOR, '--quality', q, '--out', join(w, `bmshj2018-hyperprior-q${q}.safetensors`), '--kodak', data, '--kodak-images', '1']);
  }
  const r = await runJson<RdResult>(['rd', '--models', 'bmshj2018-hyperprior', '--weights-dir', w, '--codecs', 'jpeg@q10,jpeg@q30', '--data', join(data, 'b.png'), '-o', join(dir, 'out4')]);
  const learned = r.points.filter((p) => p.kind === 'learned');
  assert.deepEqual(learned.map((p) => p.spec), ['bmshj2018-hyperprior@1', 'bmshj2018-hyperprior@2']);
  assert.ok(learned.every((p) => p.curve === 'bmshj2018-hyperprior'));
  // Same weights under two labels: same point.
  assert.equal(learned[0]!.bpp, learned[1]!.bpp);
  const none = await runCli(['rd', '--models', 'mbt2018', '--weights-dir', w, '--data', data, '-o', join(dir, 'out5')]);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /^advlic: error \[E_MODEL_UNKNOWN\]: no shipped weights for mbt2018[^\n]*\n$/);
});

test('ship-weights --kodak-from: an rd run on Kodak sets the measured shipped manifests, matched by sha256', async () => {
  const w = join(dir, 'weights-kodak');
  const kodak = join(dir, 'kodak-like');
  mkdirSync(kodak, { recursive: true });
  await sharp(`${SHARED_DIR}/data/kodak/kodim01.png`).extract({ left: 0, top: 0, width: 128, height: 128 }).png().toFile(join(kodak, 'kodim01.png'));
  for (const q of ['1', '2']) {
    await runJson(['models', 'import', TINY_HYPERPRIOR, '--quality', q, '--out', join(w, `bmshj2018-hyperprior-q${q}.safetensors`), '--kodak', data, '--kodak-images', '1']);
  }
  // q2 is re-stored with a finer table after rd ran: its measured sha256 no longer matches, so it keeps its numbers.
  const rdOut = join(dir, 'out-kodak');
  const r = await runJson<RdResult>(['rd', '--models', 'bmshj2018-hyperprior', '--weights-dir', w, '--codecs', 'jpeg@q10,jpeg@q30', '--data', kodak, '-o', rdOut]);
  const ship = (...a: string[]) => execFileSync(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'scripts', 'ship-weights.ts'), '--weights-dir', w, ...a], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
  ship('--scale-levels', '128', '--shipped', 'bmshj2018-hyperprior-q2');
  const before = JSON.parse(readFileSync(join(w, 'bmshj2018-hyperprior-q2.json'), 'utf8')).kodak;
  const log = ship('--kodak-from', join(rdOut, 'rd.json'));
  assert.match(log, /bmshj2018-hyperprior@2: measured weights are not a shipped file/);
  const m1 = JSON.parse(readFileSync(join(w, 'bmshj2018-hyperprior-q1.json'), 'utf8'));
  const p1 = r.points.find((p) => p.spec === 'bmshj2018-hyperprior@1')!;
  assert.deepEqual(m1.kodak, { psnr: p1.psnr, bpp: p1.bpp, ...(p1.msSsim !== null ? { msssim: p1.msSsim } : {}), images: 1 });
  assert.deepEqual(JSON.parse(readFileSync(join(w, 'bmshj2018-hyperprior-q2.json'), 'utf8')).kodak, before);
  const list = await runJson<ModelsListResult>(['models', 'list', '--weights-dir', w]);
  assert.deepEqual(list.shipped.map((s) => s.kodakSet), ['1 image, shipped file', null]);
  // Numbers from other images are refused: they would not be Kodak's.
  assert.throws(() => ship('--kodak-from', join(dir, 'out', 'rd.json')), /not measured on the first 2 Kodak images/);
});

test('rd: a codec whose tool is missing is refused before any coding starts (one line, nothing written)', async () => {
  const path = process.env.PATH;
  process.env.PATH = '';
  resetToolCache(); // earlier tests in this process may have found cjxl already
  try {
    const out = join(dir, 'out-missing');
    // A data folder that does not exist: the tool check must come first (before any image is read or coded).
    const r = await runCli(['rd', '--codecs', 'jpeg,jxl', '--data', join(dir, 'no-such-folder'), '-o', out]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^advlic: error \[E_TOOL_MISSING\]: jxl: codec not available, tools? "cjxl"[^\n]*\n$/);
    assert.throws(() => readFileSync(join(out, 'rd.json')));
  } finally {
    process.env.PATH = path;
    resetToolCache();
  }
});
