import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bdPsnr, bdRate, fitPolynomial, pointRateDelta, type RdPoint } from '../../src/metrics/bd.js';
import { ConfigError } from '../../src/errors.js';

/** A realistic anchor: PSNR rising concavely with log rate. */
const ANCHOR: RdPoint[] = [
  { bpp: 0.12, psnr: 27.1 },
  { bpp: 0.25, psnr: 29.6 },
  { bpp: 0.5, psnr: 32.3 },
  { bpp: 0.9, psnr: 34.8 },
  { bpp: 1.6, psnr: 37.4 },
];

test('bd: identical curves give 0 % and 0 dB', () => {
  assert.ok(Math.abs(bdRate(ANCHOR, ANCHOR)) < 1e-9);
  assert.ok(Math.abs(bdPsnr(ANCHOR, ANCHOR)) < 1e-9);
});

test('bd: the same curve at exactly 80 % of the rate gives −20.0 % BD-rate', () => {
  const test80 = ANCHOR.map((p) => ({ bpp: p.bpp * 0.8, psnr: p.psnr }));
  assert.ok(Math.abs(bdRate(ANCHOR, test80) - -20) < 1e-9, String(bdRate(ANCHOR, test80)));
  // And the anchor measured against it is 25 % more expensive (1/0.8 − 1).
  assert.ok(Math.abs(bdRate(test80, ANCHOR) - 25) < 1e-9);
  assert.ok(bdPsnr(ANCHOR, test80) > 0.3, 'fewer bits for the same PSNR is a PSNR gain at equal rate');
});

test('bd: hand-checked linear case — PSNR = 10·log10(bpp) + c, test 1 dB higher', () => {
  // With PSNR linear in log10 rate (slope 10 dB/decade), +1 dB equals a rate factor 10^(−0.1):
  // BD-PSNR = 1 dB exactly, BD-rate = (10^(−0.1) − 1)·100 = −20.567 %.
  const rates = [0.1, 0.2, 0.4, 0.8, 1.6];
  const anchor = rates.map((bpp) => ({ bpp, psnr: 10 * Math.log10(bpp) + 40 }));
  const test1 = rates.map((bpp) => ({ bpp, psnr: 10 * Math.log10(bpp) + 41 }));
  assert.ok(Math.abs(bdPsnr(anchor, test1) - 1) < 1e-9);
  assert.ok(Math.abs(bdRate(anchor, test1) - (Math.pow(10, -0.1) - 1) * 100) < 1e-9);
  assert.ok(Math.abs(bdRate(anchor, test1) - -20.567) < 1e-3);
});

test('bd: cubic curves with partial overlap integrate over the overlap only', () => {
  // log10 R = f(PSNR), an exact cubic; the test curve is f − 0.05 on a shifted PSNR range.
  const f = (p: number) => 0.001 * (p - 30) ** 3 - 0.01 * (p - 30) ** 2 + 0.1 * (p - 30) - 1;
  const anchor = [30, 31.5, 33, 34.5, 36].map((psnr) => ({ psnr, bpp: 10 ** f(psnr) }));
  const shifted = [32, 33.5, 35, 36.5, 38].map((psnr) => ({ psnr, bpp: 10 ** (f(psnr) - 0.05) }));
  assert.ok(Math.abs(bdRate(anchor, shifted) - (10 ** -0.05 - 1) * 100) < 1e-6, String(bdRate(anchor, shifted)));
});

test('bd: fit is exact for 4 points and integrates a known cubic', () => {
  const p = (x: number) => 2 - x + 0.5 * x ** 2 + 0.25 * x ** 3;
  const xs = [-1, 0.5, 2, 3];
  const fit = fitPolynomial(xs, xs.map(p));
  assert.ok(Math.abs(fit.at(1.3) - p(1.3)) < 1e-9);
  // ∫_0^2 p = 4 − 2 + 4/3 + 1 = 4.3333…
  assert.ok(Math.abs(fit.integral(0, 2) - 13 / 3) < 1e-9);
});

test('bd: refuses non-overlapping curves, too few points and bad rates', () => {
  const far = ANCHOR.map((p) => ({ bpp: p.bpp, psnr: p.psnr + 20 }));
  assert.throws(() => bdRate(ANCHOR, far), ConfigError);
  assert.throws(() => bdRate(ANCHOR, [ANCHOR[0]!]), /at least 2/);
  assert.throws(() => bdPsnr(ANCHOR, [...ANCHOR.slice(1), { bpp: 0, psnr: 30 }]), /bpp > 0/);
});

test('pointRateDelta: a single point against a curve, at equal PSNR', () => {
  // log10 R linear in PSNR: R(p) = 10^((p − 30)/10).
  const curve = [28, 30, 32, 34].map((psnr) => ({ psnr, bpp: 10 ** ((psnr - 30) / 10) }));
  assert.ok(Math.abs(pointRateDelta(curve, { psnr: 31, bpp: 10 ** 0.1 })) < 1e-9, 'on the curve: 0 %');
  assert.ok(Math.abs(pointRateDelta(curve, { psnr: 31, bpp: 1.1 * 10 ** 0.1 }) - 10) < 1e-9, '10 % more bits');
  assert.ok(Math.abs(pointRateDelta(curve, { psnr: 29.5, bpp: 0.8 * 10 ** -0.05 }) + 20) < 1e-9, '20 % fewer bits');
  assert.throws(() => pointRateDelta(curve, { psnr: 35, bpp: 1 }), ConfigError, 'outside the curve: refused, not extrapolated');
});
