/**
 * Bjøntegaard delta metrics (G. Bjøntegaard, VCEG-M33, 2001), the classic definition:
 * each RD curve is fitted by a cubic polynomial (least squares; exact through 4 points) —
 * log10(rate) as a function of PSNR for BD-rate, PSNR as a function of log10(rate) for
 * BD-PSNR — and the difference of the two fits is averaged over the overlap of the two
 * curves' ranges by exact integration.
 *   BD-rate = (10^(mean Δ log10 R) − 1) · 100 %   (negative: the test codec needs fewer bits)
 *   BD-PSNR = mean Δ PSNR in dB                    (positive: the test codec is better)
 * Rate may be bpp or any rate unit (only ratios matter). Curves with 2 or 3 points get a fit of
 * degree n − 1 (4 or more points: cubic).
 */
import { ConfigError } from '../errors.js';

export interface RdPoint {
  bpp: number;
  psnr: number;
}

/** BD-rate of `test` against `anchor`, in percent. */
export function bdRate(anchor: readonly RdPoint[], test: readonly RdPoint[]): number {
  const a = checked(anchor, 'anchor');
  const t = checked(test, 'test');
  const avg = meanDifference(
    a.map((p) => p.psnr), a.map((p) => Math.log10(p.bpp)),
    t.map((p) => p.psnr), t.map((p) => Math.log10(p.bpp)),
    'PSNR',
  );
  return (Math.pow(10, avg) - 1) * 100;
}

/** BD-PSNR of `test` against `anchor`, in dB. */
export function bdPsnr(anchor: readonly RdPoint[], test: readonly RdPoint[]): number {
  const a = checked(anchor, 'anchor');
  const t = checked(test, 'test');
  return meanDifference(
    a.map((p) => Math.log10(p.bpp)), a.map((p) => p.psnr),
    t.map((p) => Math.log10(p.bpp)), t.map((p) => p.psnr),
    'log-rate',
  );
}

/**
 * The BD-rate of a single RD point against a curve: its rate relative to the curve's rate at
 * the same PSNR, in percent (the anchor's log-rate fit evaluated at the point's PSNR). For a
 * model trained at one λ (e.g. adversarially fine-tuned weights) against the curve of the
 * models it descends from. Refused outside the anchor's PSNR range (no extrapolation).
 */
export function pointRateDelta(anchor: readonly RdPoint[], point: RdPoint): number {
  const a = checked(anchor, 'anchor');
  const p = checkedPoint(point, 'test');
  const lo = Math.min(...a.map((q) => q.psnr));
  const hi = Math.max(...a.map((q) => q.psnr));
  if (!(p.psnr >= lo && p.psnr <= hi)) {
    throw new ConfigError(`BD metrics: PSNR ${p.psnr.toFixed(2)} dB is outside the anchor curve's range ${lo.toFixed(2)}–${hi.toFixed(2)} dB`);
  }
  const fit = fitPolynomial(a.map((q) => q.psnr), a.map((q) => Math.log10(q.bpp)));
  return (p.bpp / Math.pow(10, fit.at(p.psnr)) - 1) * 100;
}

/** Mean of (fit_test − fit_anchor) over the overlap of the two x ranges. */
function meanDifference(xa: number[], ya: number[], xt: number[], yt: number[], axis: string): number {
  const lo = Math.max(Math.min(...xa), Math.min(...xt));
  const hi = Math.min(Math.max(...xa), Math.max(...xt));
  if (!(hi > lo)) throw new ConfigError(`BD metrics: the two RD curves do not overlap in ${axis}`);
  const fa = fitPolynomial(xa, ya);
  const ft = fitPolynomial(xt, yt);
  return (ft.integral(lo, hi) - fa.integral(lo, hi)) / (hi - lo);
}

interface Fit {
  integral(a: number, b: number): number;
}

/**
 * Least-squares polynomial of degree min(3, n − 1), fitted in a centred and scaled variable
 * t = (x − m)/s for conditioning; ∫ p dx = s · ∫ p dt.
 */
export function fitPolynomial(x: readonly number[], y: readonly number[]): Fit & { at(x: number): number } {
  const n = x.length;
  const degree = Math.min(3, n - 1);
  const m = x.reduce((s, v) => s + v, 0) / n;
  const s = Math.max(...x.map((v) => Math.abs(v - m))) || 1;
  const t = x.map((v) => (v - m) / s);
  const k = degree + 1;
  // Normal equations (VᵀV) c = Vᵀy, solved by Gaussian elimination with partial pivoting.
  const A = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => t.reduce((acc, ti) => acc + ti ** (i + j), 0)));
  const b = Array.from({ length: k }, (_, i) => t.reduce((acc, ti, r) => acc + ti ** i * y[r]!, 0));
  const c = solve(A, b);
  const poly = (tt: number): number => c.reduce((acc, ci, i) => acc + ci * tt ** i, 0);
  const anti = (tt: number): number => c.reduce((acc, ci, i) => acc + (ci * tt ** (i + 1)) / (i + 1), 0);
  return {
    at: (xx) => poly((xx - m) / s),
    integral: (a, bb) => s * (anti((bb - m) / s) - anti((a - m) / s)),
  };
}

function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r]![col]!) > Math.abs(M[piv]![col]!)) piv = r;
    [M[col], M[piv]] = [M[piv]!, M[col]!];
    const p = M[col]![col]!;
    if (Math.abs(p) < 1e-12) throw new ConfigError('BD metrics: RD points are degenerate (repeated x values), cannot fit a curve');
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = M[r]![col]! / p;
      for (let j = col; j <= n; j++) M[r]![j]! -= f * M[col]![j]!;
    }
  }
  return M.map((row, i) => row[n]! / row[i]!);
}

function checked(points: readonly RdPoint[], which: string): RdPoint[] {
  if (points.length < 2) throw new ConfigError(`BD metrics: the ${which} curve needs at least 2 RD points (4 for the cubic fit), got ${points.length}`);
  return points.map((p) => checkedPoint(p, which));
}

function checkedPoint(p: RdPoint, which: string): RdPoint {
  if (!(p.bpp > 0) || !Number.isFinite(p.bpp) || !Number.isFinite(p.psnr)) {
    throw new ConfigError(`BD metrics: bad ${which} point (bpp ${p.bpp}, psnr ${p.psnr}): need bpp > 0 and finite PSNR`);
  }
  return p;
}
