import { GraphBuilder } from '../onnx.js';
import { runGraphInto } from '../runtime.js';
import { releaseBuffer, takeBuffer } from '../pool.js';

/**
 * A transposed conv (a conv's input gradient) with few output channels as ONE GEMM
 * [kh·kw·Cout, Cin] × [Cin, pixels] followed by a col2im scatter-add of the kh·kw taps. MLAS's
 * blocked convs pad the output channels to a block (the polyphase stride-2 form's 4·3 phase
 * channels → 16) and run 9 shared taps per phase; here the GEMM has M = kh·kw·Cout (75 for
 * 5x5, 3 channels) with no padding. Its output is tap-major ([taps, pixels]), so the col2im adds
 * each tap's plane row by row with a fixed output stride (the conv stride), a long simple loop.
 */
/** Output channels up to which input gradients take this path (the 3-channel image layers). */
export const col2imSettings = { maxChannels: 4, enabled: true, bandRows: 16 };

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

/** Input rows of dy per GEMM run: the columns of a band stay in cache for the scatter. */
function bandHeight(spec: Col2imSpec): number {
  return Math.max(1, Math.min(spec.dyShape[1]!, col2imSettings.bandRows));
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
 * dy rows run through the GEMM in bands; each band's columns are scattered into dx at once.
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
        scatter(spec, cols, m, out, img, r0, rows);
      }
    }
  } finally {
    releaseBuffer(cols);
  }
  return out;
}

/** Adds the columns ([k, m], m = rows·w) of dy rows [r0, r0 + rows) of image img into out (NHWC). */
function scatter(spec: Col2imSpec, cols: Float32Array, m: number, out: Float32Array, img: number, r0: number, rows: number): void {
  const w = spec.dyShape[2]!;
  const [kh, kw, ci] = spec.filterShape as [number, number, number];
  const [, oh, ow] = spec.outShape as [number, number, number];
  const { strideH: sh, strideW: sw, padTop, padLeft } = spec;
  const step = sw * ci;
  for (let b = 0; b < kw; b++) {
    // Input columns whose tap b lands inside the output row (the rest is the cropped padding).
    const x0 = b - padLeft;
    const iwLo = x0 < 0 ? Math.ceil(-x0 / sw) : 0;
    const iwHi = Math.min(w, Math.floor((ow - 1 - x0) / sw) + 1);
    for (let a = 0; a < kh; a++) {
      for (let r = 0; r < rows; r++) {
        const y = (r0 + r) * sh - padTop + a;
        if (y < 0 || y >= oh) continue;
        for (let c = 0; c < ci; c++) {
          const src = ((a * kw + b) * ci + c) * m + r * w;
          let d = ((img * oh + y) * ow + iwLo * sw + x0) * ci + c;
          for (let iw = iwLo; iw < iwHi; iw++, d += step) out[d] += cols[src + iw]!;
        }
      }
    }
  }
}
