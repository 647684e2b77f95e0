import { GraphBuilder } from '../onnx.js';
import { runGraphInto } from '../runtime.js';
import { releaseBuffer, takeBuffer } from '../pool.js';

/**
 * A transposed conv (a conv's input gradient) with few output channels as ONE GEMM
 * [kh·kw·Cout, Cin] × [Cin, pixels] followed by a col2im that sums the kh·kw taps into the
 * output. MLAS's blocked convs pad the output channels to a block (the polyphase stride-2 form's
 * 4·3 phase channels → 16) and run 9 shared taps per phase, ~1.9x the useful work for 5x5 → 3
 * channels; here the GEMM has M = kh·kw·Cout (75) with no padding. Its output is tap-major
 * ([taps, pixels]): the taps of one output phase read consecutive values of their planes, which
 * the col2im (JS, single-threaded, ~1/5 of the GEMM's time at Cin = 128) sums in long loops.
 * bench/three-channel.ts: 1.5–2x over the blocked path for the 128→3 image layers at 512x768.
 */

/**
 * maxChannels: output channels up to which input gradients take this path (the image layers);
 * enabled: off runs the blocked path (tests and benches compare both); bandPixels: dy pixels
 * per GEMM run (its columns, 75·4 bytes per pixel, stay in L2 for the col2im).
 */
export const col2imSettings = { maxChannels: 4, enabled: true, bandPixels: 4096 };

export interface Col2imSpec {
  /** dy, NHWC [n, h, w, co]. */
  dyShape: readonly number[];
  /** HWIO of the forward conv: [kh, kw, ci, co]; ci is dx's (the output's) channel count. */
  filterShape: readonly number[];
  /** dx, NHWC [n, oh, ow, ci]. */
  outShape: readonly number[];
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

/** Input rows of dy per GEMM run: about bandPixels pixels. */
function bandHeight(spec: Col2imSpec): number {
  return Math.max(1, Math.min(spec.dyShape[1]!, Math.floor(col2imSettings.bandPixels / spec.dyShape[2]!)));
}

/** cols [k, m] = W [k, co] × dyᵀ (dy [m, co]). */
function gemmGraph(m: number, co: number, k: number): GraphBuilder {
  const g = new GraphBuilder();
  const dy = g.input([m, co]);
  const w = g.input([k, co]);
  g.output(g.node('Gemm', [w, dy], { transB: 1 }), [k, m]);
  return g;
}

/**
 * dx = conv2dTranspose(dy, filter) (+ bias [ci]) in NHWC, as a pooled array of outShape's size.
 * dy rows run through the GEMM in bands; each band's columns are added into dx at once.
 */
export function gemmCol2im(spec: Col2imSpec, dy: Float32Array, filter: Float32Array, bias?: Float32Array): Float32Array {
  const [n, h, w, co] = spec.dyShape as [number, number, number, number];
  const [kh, kw, ci] = spec.filterShape as [number, number, number, number];
  const [, oh, ow] = spec.outShape as [number, number, number, number];
  const k = kh * kw * ci;
  const out = takeBuffer(n * oh * ow * ci);
  if (bias) for (let p = 0; p < out.length; p += ci) for (let c = 0; c < ci; c++) out[p + c] = bias[c]!;
  else out.fill(0);
  const band = bandHeight(spec);
  const cols = takeBuffer(band * w * k);
  const wIn = { data: filter, shape: [k, co] };
  try {
    for (let img = 0; img < n; img++) {
      for (let r0 = 0; r0 < h; r0 += band) {
        const rows = Math.min(band, h - r0);
        const base = (img * h + r0) * w;
        const m = rows * w;
        runGraphInto(JSON.stringify(['col2imGemm', m, co, k]), () => gemmGraph(m, co, k), [
          { data: dy.subarray(base * co, (base + m) * co), shape: [m, co] }, wIn,
        ], [{ data: cols.subarray(0, m * k), shape: [k, m] }]);
        addBand(spec, cols, m, out, img, r0, rows);
      }
    }
  } finally {
    releaseBuffer(cols);
  }
  return out;
}

/**
 * Adds the columns ([k, m], m = rows·w) of dy rows [r0, r0 + rows) of image img into out
 * (NHWC), as a gather: each output value of a touched row sums its taps from this band (the taps
 * of one phase read consecutive columns), one read-modify-write per group of 4 taps — about 2x
 * faster in V8 than adding tap by tap.
 */
function addBand(spec: Col2imSpec, cols: Float32Array, m: number, out: Float32Array, img: number, r0: number, rows: number): void {
  const w = spec.dyShape[2]!;
  const [kh, kw, ci] = spec.filterShape as [number, number, number];
  const [, oh, ow] = spec.outShape as [number, number, number];
  const { strideH: sh, strideW: sw, padTop, padLeft } = spec;
  const step = sw * ci;
  // Per tap of an output value: its channel-0 column offset at u = 0, and its lag j (it reads dy column u − j).
  const off = new Int32Array(Math.ceil(kh / sh) * Math.ceil(kw / sw));
  const lag = new Int32Array(off.length);
  const yLo = Math.max(0, r0 * sh - padTop);
  const yHi = Math.min(oh, (r0 + rows - 1) * sh - padTop + kh);
  for (let y = yLo; y < yHi; y++) {
    const rowOut = (img * oh + y) * ow * ci;
    for (let b0 = 0; b0 < Math.min(sw, kw); b0++) {
      // Output columns x = u·sw + b0 − padLeft, u in [uLo, uHi); taps b0 + j·sw read dy column u − j.
      const nb = Math.ceil((kw - b0) / sw);
      const uLo = Math.max(0, Math.ceil((padLeft - b0) / sw));
      const uHi = Math.min(w + nb - 1, Math.floor((ow - 1 + padLeft - b0) / sw) + 1);
      // Interior: every tap's column inside dy.
      const inLo = Math.max(uLo, nb - 1);
      const inHi = Math.min(uHi, w);
      let taps = 0;
      for (let a = (y + padTop) % sh; a < kh; a += sh) {
        const ih = (y + padTop - a) / sh;
        if (ih < r0 || ih >= r0 + rows) continue;
        for (let j = 0; j < nb; j++) {
          off[taps] = (a * kw + b0 + j * sw) * ci * m + (ih - r0) * w - j;
          lag[taps++] = j;
        }
      }
      if (taps === 0) continue;
      for (let c = 0; c < ci; c++) {
        const first = rowOut + (b0 - padLeft) * ci + c; // out index at u = 0
        const cm = c * m;
        for (let u = uLo; u < Math.min(inLo, uHi); u++) out[first + u * step] += edgeSum(cols, off, lag, taps, cm, u, w);
        if (inLo < inHi) for (let t = 0; t < taps; t += 4) addTaps(out, cols, off, t, Math.min(4, taps - t), cm, first + inLo * step, step, inLo, inHi);
        for (let u = Math.max(inLo, inHi); u < uHi; u++) out[first + u * step] += edgeSum(cols, off, lag, taps, cm, u, w);
      }
    }
  }
}

/** Sum of the taps that read a column inside dy (output columns near the edges). */
function edgeSum(cols: Float32Array, off: Int32Array, lag: Int32Array, taps: number, cm: number, u: number, w: number): number {
  let sum = 0;
  for (let t = 0; t < taps; t++) {
    const iw = u - lag[t]!;
    if (iw >= 0 && iw < w) sum += cols[off[t]! + cm + u]!;
  }
  return sum;
}

/** out[d + (u − u0)·step] += Σ of n ≤ 4 taps cols[off[t..] + cm + u], u in [u0, u1): unrolled sums. */
function addTaps(
  out: Float32Array, cols: Float32Array, off: Int32Array, t: number, n: number, cm: number, d: number, step: number, u0: number, u1: number,
): void {
  const o0 = off[t]! + cm;
  const o1 = (off[t + 1] ?? 0) + cm;
  const o2 = (off[t + 2] ?? 0) + cm;
  const o3 = (off[t + 3] ?? 0) + cm;
  if (n === 4) for (let u = u0; u < u1; u++, d += step) out[d] += cols[o0 + u]! + cols[o1 + u]! + cols[o2 + u]! + cols[o3 + u]!;
  else if (n === 3) for (let u = u0; u < u1; u++, d += step) out[d] += cols[o0 + u]! + cols[o1 + u]! + cols[o2 + u]!;
  else if (n === 2) for (let u = u0; u < u1; u++, d += step) out[d] += cols[o0 + u]! + cols[o1 + u]!;
  else for (let u = u0; u < u1; u++, d += step) out[d] += cols[o0 + u]!;
}
