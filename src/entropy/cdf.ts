/**
 * Quantized CDF tables as CompressAI builds them in update(): the integer procedure of its C++
 * `pmf_to_quantized_cdf` (float32 pmf, round, rescale, fix-up so every symbol keeps freq > 0),
 * rows padded as `_pmf_to_cdf` pads them, and the GaussianConditional tables from a scale table.
 */
import { WeightsFormatError } from '../errors.js';
import type { CdfTables } from './rans.js';

/**
 * CDF of length pmf.length + 2 (the extra bin is the tail mass), summing to 2^precision.
 * The pmf values are taken as float32, as CompressAI passes them to C++.
 */
export function pmfToQuantizedCdf(pmf: Float64Array | Float32Array | number[], tailMass: number, precision = 16): Int32Array {
  const n = pmf.length + 1; // symbols incl. the tail bin
  const scale = 2 ** precision;
  const cdf = new Float64Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.fround(i < pmf.length ? pmf[i]! : tailMass);
    const q = Math.max(0, Math.round(p * scale)); // p * 2^k is exact in float32; std::round (half away from 0)
    cdf[i + 1] = q;
    total += q;
  }
  if (total === 0) throw new RangeError('pmfToQuantizedCdf: the pmf has no mass');
  for (let i = 1; i <= n; i++) cdf[i] = Math.floor((scale * cdf[i]!) / total);
  for (let i = 1; i <= n; i++) cdf[i] = cdf[i]! + cdf[i - 1]!;
  cdf[n] = scale;
  // Give every zero-frequency symbol one unit, taken from the smallest frequency above 1.
  for (let i = 0; i < n; i++) {
    if (cdf[i] !== cdf[i + 1]) continue;
    let bestFreq = Infinity;
    let best = -1;
    for (let j = 0; j < n; j++) {
      const f = cdf[j + 1]! - cdf[j]!;
      if (f > 1 && f < bestFreq) {
        bestFreq = f;
        best = j;
      }
    }
    if (best < 0) throw new RangeError('pmfToQuantizedCdf: too many symbols for the precision');
    if (best < i) for (let j = best + 1; j <= i; j++) cdf[j]!--;
    else for (let j = i + 1; j <= best; j++) cdf[j]!++;
  }
  return Int32Array.from(cdf);
}

/**
 * Padded CDF rows (length max(pmfLengths) + 2, zero after cdfLengths[i]) and their lengths, as
 * CompressAI's `_pmf_to_cdf` stores `_quantized_cdf` / `_cdf_length`.
 */
export function buildQuantizedCdfTable(
  pmfs: Float64Array[] | Float32Array[],
  tailMasses: ArrayLike<number>,
  pmfLengths: ArrayLike<number>,
  precision = 16,
): { cdfs: Int32Array[]; cdfLengths: Int32Array } {
  let maxLength = 0;
  for (let i = 0; i < pmfLengths.length; i++) maxLength = Math.max(maxLength, pmfLengths[i]!);
  const cdfs: Int32Array[] = [];
  const cdfLengths = new Int32Array(pmfs.length);
  for (let i = 0; i < pmfs.length; i++) {
    const len = pmfLengths[i]!;
    const row = new Int32Array(maxLength + 2);
    row.set(pmfToQuantizedCdf(pmfs[i]!.subarray(0, len), tailMasses[i]!, precision));
    cdfs.push(row);
    cdfLengths[i] = len + 2;
  }
  return { cdfs, cdfLengths };
}

const SQRT_PI = Math.sqrt(Math.PI);

/** Complementary error function in double precision (series below 2.5, continued fraction above). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    // erf(x) = 2/sqrt(pi) e^{-x^2} sum_n 2^n x^{2n+1} / (1*3*...*(2n+1)): positive terms, no cancellation.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - ((2 / SQRT_PI) * Math.exp(-x2) * sum);
  }
  if (x > 27) return 0;
  // erfc(x) = e^{-x^2}/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
  let k = x;
  for (let n = 120; n >= 1; n--) k = x + n / 2 / k;
  return Math.exp(-x * x) / (SQRT_PI * k);
}

/** Standard normal quantile (scipy's norm.ppf) by bisection + Newton on erfc, double precision. */
export function normalQuantile(q: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`normalQuantile: ${q} is outside (0, 1)`);
  if (q > 0.5) return -normalQuantile(1 - q);
  const cdf = (t: number): number => 0.5 * erfc(-t / Math.SQRT2);
  let lo = -40;
  let hi = 0;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < q) lo = mid;
    else hi = mid;
  }
  let t = (lo + hi) / 2;
  for (let i = 0; i < 3; i++) {
    const d = Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
    t -= (cdf(t) - q) / d;
  }
  return t;
}

/** float32 0.5 * erfc(-x / sqrt(2)) as CompressAI's _standardized_cumulative computes it. */
function standardizedCumulative32(x: number): number {
  const c = Math.fround(-Math.SQRT1_2);
  return Math.fround(0.5 * Math.fround(erfc(Math.fround(c * x))));
}

/**
 * GaussianConditional tables from its scale table, following CompressAI's update() in float32:
 * pmf_center = ceil(scale * -ppf(tailMass / 2)), pmf over |k - center| from the standardized
 * cumulative, tail mass 2 * lower[0], offsets -center, lengths 2 * center + 3.
 */
export function buildGaussianConditionalTables(scaleTable: ArrayLike<number>, tailMass = 1e-9, precision = 16): CdfTables {
  const multiplier = Math.fround(-normalQuantile(tailMass / 2));
  const count = scaleTable.length;
  const centers = new Int32Array(count);
  for (let i = 0; i < count; i++) centers[i] = Math.ceil(Math.fround(Math.fround(scaleTable[i]!) * multiplier));
  const pmfs: Float32Array[] = [];
  const tails = new Float64Array(count);
  const lengths = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const s = Math.fround(scaleTable[i]!);
    const center = centers[i]!;
    const len = 2 * center + 1;
    const pmf = new Float32Array(len);
    for (let k = 0; k < len; k++) {
      const v = Math.abs(k - center);
      const upper = standardizedCumulative32(Math.fround((0.5 - v) / s));
      const lower = standardizedCumulative32(Math.fround((-0.5 - v) / s));
      pmf[k] = upper - lower;
      if (k === 0) tails[i] = 2 * lower;
    }
    pmfs.push(pmf);
    lengths[i] = len;
  }
  const { cdfs, cdfLengths } = buildQuantizedCdfTable(pmfs, tails, lengths, precision);
  return { cdfs, cdfLengths, offsets: Int32Array.from(centers, (c) => -c) };
}

/**
 * CdfTables from a checkpoint's `_quantized_cdf` (rows × width), `_cdf_length` and `_offset`
 * buffers, checked as CompressAI's coder asserts them (row starts at 0, strictly increasing up to
 * 2^precision at its length). Throws WeightsFormatError naming the first bad row.
 */
export function cdfTablesFromBuffers(
  quantizedCdf: { shape: number[]; data: ArrayLike<number> },
  cdfLength: ArrayLike<number>,
  offset: ArrayLike<number>,
  precision = 16,
): CdfTables {
  const [rows, width] = quantizedCdf.shape as [number, number];
  if (quantizedCdf.shape.length !== 2 || cdfLength.length !== rows || offset.length !== rows) {
    throw new WeightsFormatError(`CDF buffers disagree: _quantized_cdf ${JSON.stringify(quantizedCdf.shape)}, ${cdfLength.length} lengths, ${offset.length} offsets`);
  }
  const cdfs: Int32Array[] = [];
  for (let i = 0; i < rows; i++) {
    const row = Int32Array.from({ length: width }, (_, j) => quantizedCdf.data[i * width + j]!);
    const len = cdfLength[i]!;
    let ok = len >= 2 && len <= width && row[0] === 0 && row[len - 1] === 2 ** precision;
    for (let j = 0; ok && j < len - 1; j++) ok = row[j + 1]! > row[j]!;
    if (!ok) throw new WeightsFormatError(`CDF row ${i} is invalid (length ${len}): not a strictly increasing 0..2^${precision} table`);
    cdfs.push(row);
  }
  return { cdfs, cdfLengths: Int32Array.from(cdfLength), offsets: Int32Array.from(offset) };
}

/** Where EntropyBottleneck.update() samples its learned density, per channel. */
export interface EntropyBottleneckSampling {
  /** -minima: symbol = round(v - median) maps to CDF position symbol - offset. */
  offsets: Int32Array;
  /** First sample per channel (median - minima, float32); samples are pmfStart[c] + k. */
  pmfStart: Float32Array;
  pmfLengths: Int32Array;
}

/**
 * CompressAI's EntropyBottleneck.update() sampling grid from `quantiles` (C × 1 × 3, float32):
 * minima = max(0, ceil(median - q0)), maxima = max(0, ceil(q2 - median)), length = minima + maxima + 1.
 * The pmf at pmfStart + k, with the tail masses, goes to buildQuantizedCdfTable.
 */
export function entropyBottleneckSampling(quantiles: ArrayLike<number>): EntropyBottleneckSampling {
  const C = Math.floor(quantiles.length / 3);
  const offsets = new Int32Array(C);
  const pmfStart = new Float32Array(C);
  const pmfLengths = new Int32Array(C);
  for (let c = 0; c < C; c++) {
    const lo = Math.fround(quantiles[3 * c]!);
    const median = Math.fround(quantiles[3 * c + 1]!);
    const hi = Math.fround(quantiles[3 * c + 2]!);
    const minima = Math.max(0, Math.ceil(Math.fround(median - lo)));
    const maxima = Math.max(0, Math.ceil(Math.fround(hi - median)));
    offsets[c] = -minima;
    pmfStart[c] = Math.fround(median - minima);
    pmfLengths[c] = minima + maxima + 1;
  }
  return { offsets, pmfStart, pmfLengths };
}
