/**
 * The serial half of the joint autoregressive + hyperprior models (mbt2018, cheng2020): y is
 * coded in raster order (row, then column), all M channels at each position, channels fastest,
 * as CompressAI's `_compress_ar` / `_decompress_ar` do. At each position the Gaussian
 * parameters come from the 5x5 masked context convolution over the already decoded y_hat
 * (zero outside the latent) and the 1x1 `entropy_parameters` stack over [hyper params; context].
 *
 * The arithmetic is plain JS on Float32Arrays, not thousands of tiny tensor ops: each layer
 * accumulates in float64 and rounds its outputs to float32 (as float32 tensors would hold them).
 * Encoder and decoder call the very same `predictAt`, so a decoder sees bit-identical means and
 * scales and decoding is exact.
 */
import { BitstreamError, WeightsMismatchError } from '../../errors.js';

/** One dense 1x1 layer of `entropy_parameters`, weights laid out [in][out]. */
export interface DenseLayer {
  inCh: number;
  outCh: number;
  weight: Float32Array;
  bias: Float32Array;
}

/** The weights the serial loop needs, in JS-friendly layouts. */
export interface ContextWeights {
  /** Latent channels. */
  M: number;
  /** Causal taps of the masked 5x5 kernel, as [dy, dx] offsets from the current position. */
  taps: Array<[number, number]>;
  /** Masked context weights [tap][M in][2M out]. */
  ctxWeight: Float32Array;
  /** Context bias [2M]. */
  ctxBias: Float32Array;
  /** `entropy_parameters`: 4M → 10M/3 → 8M/3 → 2M with LeakyReLU(0.01) between. */
  layers: DenseLayer[];
}

/** GaussianConditional.build_indexes: one CDF index per scale. */
export type ScaleIndexer = (scales: Float32Array) => Int32Array;

const LEAKY_SLOPE = Math.fround(0.01);

/**
 * Builds ContextWeights from a masked conv in TF layout (HWIO [5,5,M,2M], mask the same shape)
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
  const ctxWeight = new Float32Array(taps.length * M * out);
  parts.forEach((p, t) => ctxWeight.set(p, t * M * out));
  if (layers[0]?.inCh !== 4 * M || layers[layers.length - 1]?.outCh !== 2 * M) {
    throw new WeightsMismatchError(`entropy_parameters must map ${4 * M} to ${2 * M} channels`);
  }
  return { M, taps, ctxWeight, ctxBias, layers };
}

/** Round half to even, as torch.round. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Scratch buffers reused across positions. */
class Scratch {
  readonly acc: Float64Array;
  readonly act: Float32Array[];
  constructor(w: ContextWeights) {
    const widest = Math.max(4 * w.M, ...w.layers.map((l) => l.outCh));
    this.acc = new Float64Array(widest);
    this.act = [new Float32Array(4 * w.M), ...w.layers.map((l) => new Float32Array(l.outCh))];
  }
}

/**
 * Computes [scales; means] (2M, float32) at (h, w) from the decoded part of yHat ([H, W, M],
 * zeros where not yet decoded) and the hyper params ([H, W, 2M]). Returns the last activation.
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
  input.set(params.subarray((h * W + w) * M2, (h * W + w + 1) * M2), 0);
  // Context: masked 5x5 conv evaluated at one position, skipping zero inputs (y_hat is sparse).
  const acc = s.acc;
  acc.fill(0, 0, M2);
  for (let t = 0; t < cw.taps.length; t++) {
    const [dy, dx] = cw.taps[t]!;
    const yy = h + dy;
    const xx = w + dx;
    if (yy < 0 || xx < 0 || xx >= W) continue;
    const ybase = (yy * W + xx) * M;
    const wbase = t * M * M2;
    for (let c = 0; c < M; c++) {
      const v = yHat[ybase + c]!;
      if (v === 0) continue;
      const row = wbase + c * M2;
      for (let o = 0; o < M2; o++) acc[o] += v * cw.ctxWeight[row + o]!;
    }
  }
  for (let o = 0; o < M2; o++) input[M2 + o] = Math.fround(acc[o]! + cw.ctxBias[o]!);
  // entropy_parameters: dense layers with LeakyReLU between.
  for (let l = 0; l < cw.layers.length; l++) {
    const layer = cw.layers[l]!;
    const x = s.act[l]!;
    const y = s.act[l + 1]!;
    const n = layer.outCh;
    acc.fill(0, 0, n);
    for (let i = 0; i < layer.inCh; i++) {
      const v = x[i]!;
      if (v === 0) continue;
      const row = i * n;
      for (let o = 0; o < n; o++) acc[o] += v * layer.weight[row + o]!;
    }
    const last = l === cw.layers.length - 1;
    for (let o = 0; o < n; o++) {
      const z = Math.fround(acc[o]! + layer.bias[o]!);
      y[o] = last || z >= 0 ? z : Math.fround(z * LEAKY_SLOPE);
    }
  }
  return s.act[cw.layers.length]!;
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
