/**
 * The serial half of the joint autoregressive + hyperprior models (mbt2018, cheng2020): y is
 * coded in raster order (row, then column), all M channels at each position, channels fastest,
 * as CompressAI's `_compress_ar` / `_decompress_ar` do. At each position the Gaussian
 * parameters come from the 5x5 masked context convolution over the already decoded y_hat
 * (zero outside the latent) and the 1x1 `entropy_parameters` stack over [hyper params; context].
 *
 * The arithmetic is plain JS, not thousands of tiny tensor ops, so this part does not depend on
 * the tensor engine: each layer accumulates in float64, in a fixed order, and rounds its
 * outputs to float32 (as float32 tensors hold them). (The hyper params h_s(ẑ) still come from
 * the engine's convs, as in every hyperprior model.)
 * Encoder and decoder call the very same `predictAt`, so a decoder sees bit-identical means and
 * scales and decoding is exact.
 */
import { BitstreamError, WeightsMismatchError } from '../../errors.js';

/** One dense 1x1 layer of `entropy_parameters`, weights laid out [in][out] (TF's 1x1 conv). */
export interface DenseLayer {
  inCh: number;
  outCh: number;
  weight: Float32Array;
  bias: Float32Array;
}

/** The weights the serial loop needs, transposed to [out][in] for dot products. */
export interface ContextWeights {
  /** Latent channels. */
  M: number;
  /** Causal taps of the masked kernel, as [dy, dx] offsets from the current position. */
  taps: Array<[number, number]>;
  /** Masked context weights [2M out][tap · M + c]. */
  ctxWeight: Float32Array;
  /** Context bias [2M]. */
  ctxBias: Float32Array;
  /** `entropy_parameters` (4M → 10M/3 → 8M/3 → 2M, LeakyReLU between), weights [out][in]. */
  layers: DenseLayer[];
}

/** GaussianConditional.build_indexes: one CDF index per scale. */
export type ScaleIndexer = (scales: Float32Array) => Int32Array;

const LEAKY_SLOPE = Math.fround(0.01);

/** [rows][cols] → [cols][rows]. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!;
  return t;
}

/**
 * Builds ContextWeights from a masked conv in TF layout (HWIO [k,k,M,2M], mask the same shape)
 * and 1x1 convs in TF layout ([1,1,in,out]). Rejects a mask that looks at the current or a
 * later position: decoding could not reproduce it.
 */
export function buildContextWeights(
  M: number,
  kernel: number,
  ctxWeightHwio: Float32Array,
  maskHwio: Float32Array,
  ctxBias: Float32Array,
  layers: DenseLayer[],
): ContextWeights {
  const out = 2 * M;
  const half = (kernel - 1) / 2;
  const taps: Array<[number, number]> = [];
  const parts: Float32Array[] = [];
  for (let kh = 0; kh < kernel; kh++) {
    for (let kw = 0; kw < kernel; kw++) {
      const base = (kh * kernel + kw) * M * out;
      const w = new Float32Array(M * out);
      let any = false;
      for (let i = 0; i < M * out; i++) {
        w[i] = ctxWeightHwio[base + i]! * maskHwio[base + i]!;
        if (maskHwio[base + i] !== 0) any = true;
      }
      if (!any) continue;
      const causal = kh < half || (kh === half && kw < half);
      if (!causal) {
        throw new WeightsMismatchError(
          `context_prediction.mask is non-zero at tap (${kh},${kw}), the current or a later position: not a causal (type A) mask`,
        );
      }
      taps.push([kh - half, kw - half]);
      parts.push(w);
    }
  }
  const stacked = new Float32Array(taps.length * M * out);
  parts.forEach((p, t) => stacked.set(p, t * M * out));
  if (layers[0]?.inCh !== 4 * M || layers[layers.length - 1]?.outCh !== 2 * M) {
    throw new WeightsMismatchError(`entropy_parameters must map ${4 * M} to ${2 * M} channels`);
  }
  return {
    M,
    taps,
    ctxWeight: transpose(stacked, taps.length * M, out),
    ctxBias,
    layers: layers.map((l) => ({ ...l, weight: transpose(l.weight, l.inCh, l.outCh) })),
  };
}

/** Round half to even, as torch.round. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * out[o] = Σ_i x[i]·w[o·n + i] in float64 for a dense x of length n: four outputs at a time,
 * two interleaved partial sums each (the fixed order encoder and decoder share).
 */
function denseDot(w: Float32Array, n: number, outCh: number, x: Float64Array, out: Float64Array): void {
  const even = n - (n % 2);
  let o = 0;
  for (; o + 3 < outCh; o += 4) {
    const r0 = o * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, u0 = 0, u1 = 0, u2 = 0, u3 = 0; // prettier-ignore
    for (let i = 0; i < even; i += 2) {
      const a = x[i]!;
      const b = x[i + 1]!;
      s0 += a * w[r0 + i]!;
      s1 += a * w[r1 + i]!;
      s2 += a * w[r2 + i]!;
      s3 += a * w[r3 + i]!;
      u0 += b * w[r0 + i + 1]!;
      u1 += b * w[r1 + i + 1]!;
      u2 += b * w[r2 + i + 1]!;
      u3 += b * w[r3 + i + 1]!;
    }
    if (even < n) {
      const a = x[even]!;
      s0 += a * w[r0 + even]!;
      s1 += a * w[r1 + even]!;
      s2 += a * w[r2 + even]!;
      s3 += a * w[r3 + even]!;
    }
    out[o] = s0 + u0;
    out[o + 1] = s1 + u1;
    out[o + 2] = s2 + u2;
    out[o + 3] = s3 + u3;
  }
  for (; o < outCh; o++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i]! * w[o * n + i]!;
    out[o] = s;
  }
}

/** out[o] = Σ_k vals[k]·w[o·n + idx[k]] over the nnz non-zero inputs, in list order. */
function sparseDot(w: Float32Array, n: number, outCh: number, vals: Float64Array, idx: Int32Array, nnz: number, out: Float64Array): void {
  let o = 0;
  for (; o + 3 < outCh; o += 4) {
    const r0 = o * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0; // prettier-ignore
    for (let k = 0; k < nnz; k++) {
      const a = vals[k]!;
      const j = idx[k]!;
      s0 += a * w[r0 + j]!;
      s1 += a * w[r1 + j]!;
      s2 += a * w[r2 + j]!;
      s3 += a * w[r3 + j]!;
    }
    out[o] = s0;
    out[o + 1] = s1;
    out[o + 2] = s2;
    out[o + 3] = s3;
  }
  for (; o < outCh; o++) {
    let s = 0;
    for (let k = 0; k < nnz; k++) s += vals[k]! * w[o * n + idx[k]!]!;
    out[o] = s;
  }
}

/** Scratch buffers reused across positions. */
class Scratch {
  readonly acc: Float64Array;
  readonly act: Float64Array[];
  readonly vals: Float64Array;
  readonly idx: Int32Array;
  readonly result: Float32Array;
  constructor(w: ContextWeights) {
    const widest = Math.max(4 * w.M, ...w.layers.map((l) => l.outCh));
    this.acc = new Float64Array(widest);
    this.act = [new Float64Array(4 * w.M), ...w.layers.map((l) => new Float64Array(l.outCh))];
    this.vals = new Float64Array(w.taps.length * w.M);
    this.idx = new Int32Array(w.taps.length * w.M);
    this.result = new Float32Array(2 * w.M);
  }
}

/**
 * Computes [scales; means] (2M, float32) at (h, w) from the decoded part of yHat ([H, W, M],
 * zeros where not yet decoded) and the hyper params ([H, W, 2M]). Activations are float32
 * values (held in float64 arrays); sums run in float64 and round once per output.
 */
function predictAt(
  h: number,
  w: number,
  H: number,
  W: number,
  yHat: Float32Array,
  params: Float32Array,
  cw: ContextWeights,
  s: Scratch,
): Float32Array {
  const M = cw.M;
  const M2 = 2 * M;
  const input = s.act[0]!;
  const pbase = (h * W + w) * M2;
  for (let i = 0; i < M2; i++) input[i] = params[pbase + i]!;
  // Context: the masked conv at one position, over the non-zero decoded neighbours (ŷ is sparse).
  let nnz = 0;
  for (let t = 0; t < cw.taps.length; t++) {
    const [dy, dx] = cw.taps[t]!;
    const yy = h + dy;
    const xx = w + dx;
    if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
    const ybase = (yy * W + xx) * M;
    for (let c = 0; c < M; c++) {
      const v = yHat[ybase + c]!;
      if (v === 0) continue;
      s.vals[nnz] = v;
      s.idx[nnz++] = t * M + c;
    }
  }
  const acc = s.acc;
  sparseDot(cw.ctxWeight, cw.taps.length * M, M2, s.vals, s.idx, nnz, acc);
  for (let o = 0; o < M2; o++) input[M2 + o] = Math.fround(acc[o]! + cw.ctxBias[o]!);
  // entropy_parameters: dense layers with LeakyReLU between.
  const last = cw.layers.length - 1;
  for (let l = 0; l <= last; l++) {
    const layer = cw.layers[l]!;
    const y = l === last ? s.result : s.act[l + 1]!;
    denseDot(layer.weight, layer.inCh, layer.outCh, s.act[l]!, acc);
    for (let o = 0; o < layer.outCh; o++) {
      const z = Math.fround(acc[o]! + layer.bias[o]!);
      y[o] = l === last || z >= 0 ? z : Math.fround(z * LEAKY_SLOPE);
    }
  }
  return s.result;
}

export interface RasterEncoded {
  /** Symbols round(y - mean), in coding order (raster, channels fastest). */
  symbols: Int32Array;
  /** Scale-table indexes, same order. */
  indexes: Int32Array;
  /** The decoder's y_hat = symbol + mean, [H, W, M]. */
  yHat: Float32Array;
  /** [scales; means] per position, [H, W, 2M] (for inspection and tests). */
  gaussianParams: Float32Array;
}

/** Encoder side: y and hyper params in NHWC order ([H, W, M] and [H, W, 2M]). */
export function rasterEncode(
  y: Float32Array,
  params: Float32Array,
  H: number,
  W: number,
  cw: ContextWeights,
  ix: ScaleIndexer,
): RasterEncoded {
  const M = cw.M;
  const n = H * W * M;
  const symbols = new Int32Array(n);
  const indexes = new Int32Array(n);
  const yHat = new Float32Array(n);
  const gaussianParams = new Float32Array(2 * n);
  const s = new Scratch(cw);
  for (let h = 0; h < H; h++) {
    for (let w = 0; w < W; w++) {
      const g = predictAt(h, w, H, W, yHat, params, cw, s);
      const base = (h * W + w) * M;
      gaussianParams.set(g, 2 * base);
      indexes.set(ix(g.subarray(0, M)), base);
      for (let c = 0; c < M; c++) {
        const mean = g[M + c]!;
        const q = roundHalfEven(Math.fround(y[base + c]! - mean));
        symbols[base + c] = q;
        yHat[base + c] = Math.fround(q + mean);
      }
    }
  }
  return { symbols, indexes, yHat, gaussianParams };
}

/**
 * Decoder side: `decodeSymbols(indexes)` must return one symbol per index from the stream
 * (rANS decode_stream). Returns y_hat [H, W, M].
 */
export function rasterDecode(
  decodeSymbols: (indexes: Int32Array) => Int32Array,
  params: Float32Array,
  H: number,
  W: number,
  cw: ContextWeights,
  ix: ScaleIndexer,
): Float32Array {
  const M = cw.M;
  const yHat = new Float32Array(H * W * M);
  const s = new Scratch(cw);
  for (let h = 0; h < H; h++) {
    for (let w = 0; w < W; w++) {
      const g = predictAt(h, w, H, W, yHat, params, cw, s);
      const sym = decodeSymbols(ix(g.subarray(0, M)));
      if (sym.length !== M) throw new BitstreamError(`y stream: expected ${M} symbols at (${h},${w}), got ${sym.length}`);
      const base = (h * W + w) * M;
      for (let c = 0; c < M; c++) yHat[base + c] = Math.fround(sym[c]! + g[M + c]!);
    }
  }
  return yHat;
}
