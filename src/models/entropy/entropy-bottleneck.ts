import { tf } from '../../engine/index.js';
import type { QuantMode } from '../../codec/types.js';
import { ransDecodeWithIndexes, ransEncodeWithIndexes } from '../../entropy/rans.js';
import { buildQuantizedCdfTable } from '../../entropy/cdf.js';
import { type ParamStore, positiveConstantBuffer } from '../param-store.js';
import { uniformArray } from '../init.js';
import { lowerBound } from '../ops/lower-bound.js';
import { likelihoodInput, quantize } from '../ops/quantize.js';
import { stopGradient } from '../ops/ste-round.js';
import type { NoiseSource } from '../ops/noise.js';
import { CdfBuffers } from './cdf-buffers.js';
import { channelMajor, fromChannelMajor, fromChannelRows, toChannelRows } from './layout.js';

const FILTERS = [3, 3, 3, 3];
const INIT_SCALE = 10;
const TAIL_MASS = 1e-9;

/**
 * CompressAI's EntropyBottleneck (Ballé et al. 2018): a per-channel non-parametric density
 * whose cumulative is a small monotone network (`_logits_cumulative`), with quantiles fitted
 * by the aux loss. Keys: `<prefix>.matrices.i`, `.biases.i`, `.factors.i`, `.quantiles`, …
 */
export class EntropyBottleneck {
  readonly matrices: tf.Variable[] = [];
  readonly biases: tf.Variable[] = [];
  readonly factors: tf.Variable[] = [];
  readonly quantiles: tf.Variable;
  readonly cdf = new CdfBuffers();
  private target: Float32Array;
  private likelihoodBound = 1e-9;

  constructor(store: ParamStore, prefix: string, readonly channels: number, rand: () => number = Math.random) {
    const dims = [1, ...FILTERS, 1];
    const scale = INIT_SCALE ** (1 / (FILTERS.length + 1));
    const c = channels;
    for (let i = 0; i < FILTERS.length + 1; i++) {
      const [fin, fout] = [dims[i]!, dims[i + 1]!];
      const init = Math.log(Math.expm1(1 / scale / fout));
      this.matrices.push(store.addParam(`${prefix}.matrices.${i}`, [c, fout, fin], new Float32Array(c * fout * fin).fill(init)));
      this.biases.push(store.addParam(`${prefix}.biases.${i}`, [c, fout, 1], uniformArray(c * fout, 0.5, rand)));
      if (i < FILTERS.length) this.factors.push(store.addParam(`${prefix}.factors.${i}`, [c, fout, 1], new Float32Array(c * fout)));
    }
    const q = new Float32Array(c * 3);
    for (let i = 0; i < c; i++) q.set([-INIT_SCALE, 0, INIT_SCALE], i * 3);
    this.quantiles = store.addParam(`${prefix}.quantiles`, [c, 1, 3], q, { aux: true });
    const t = Math.log(2 / TAIL_MASS - 1);
    this.target = Float32Array.of(-t, 0, t);
    this.cdf.register(store, prefix);
    store.addBuffer(`${prefix}.target`, {
      get: () => ({ shape: [3], dtype: 'float32', data: this.target.slice() }),
      set: (v) => (this.target = Float32Array.from(v.data)),
      optional: true,
    });
    store.addBuffer(
      `${prefix}.likelihood_lower_bound.bound`,
      positiveConstantBuffer(() => this.likelihoodBound, (v) => (this.likelihoodBound = v)),
    );
  }

  /** Per-channel medians [C], detached (the quantiles are trained by the aux loss only). */
  medians(): tf.Tensor1D {
    return tf.tidy(() => stopGradient(tf.reshape(tf.slice(this.quantiles, [0, 0, 1], [this.channels, 1, 1]), [this.channels])));
  }

  /** The cumulative's logits for inputs [C, 1, N]; stopGradient detaches the density's parameters. */
  logitsCumulative(inputs: tf.Tensor3D, stopGrad: boolean): tf.Tensor3D {
    return tf.tidy(() => {
      const p = (v: tf.Variable) => (stopGrad ? stopGradient(v) : v);
      let logits: tf.Tensor3D = inputs;
      for (let i = 0; i < this.matrices.length; i++) {
        logits = tf.add(tf.matMul(tf.softplus(p(this.matrices[i]!)) as tf.Tensor3D, logits), p(this.biases[i]!));
        if (i < this.factors.length) logits = tf.add(logits, tf.mul(tf.tanh(p(this.factors[i]!)), tf.tanh(logits)));
      }
      return logits;
    });
  }

  /** sigmoid(upper) − sigmoid(lower) over [v − ½, v + ½] (no lower bound), inputs [C, 1, N]. */
  likelihood(values: tf.Tensor3D, stopGrad = false): { likelihood: tf.Tensor3D; lower: tf.Tensor3D; upper: tf.Tensor3D } {
    return tf.tidy(() => {
      const lower = this.logitsCumulative(tf.sub(values, 0.5), stopGrad);
      const upper = this.logitsCumulative(tf.add(values, 0.5), stopGrad);
      return { likelihood: tf.sub(tf.sigmoid(upper), tf.sigmoid(lower)), lower, upper };
    });
  }

  /** Quantized latents and their likelihoods (lower-bounded), NHWC. */
  forward(y: tf.Tensor4D, mode: QuantMode, noise?: NoiseSource): { yHat: tf.Tensor4D; likelihood: tf.Tensor4D } {
    return tf.tidy(() => {
      const medians = this.medians();
      const yHat = quantize(y, mode, medians, noise);
      const lik = this.likelihood(toChannelRows(likelihoodInput(y, yHat, mode, medians, noise))).likelihood;
      return { yHat, likelihood: lowerBound(fromChannelRows(lik, yHat.shape), this.likelihoodBound) };
    });
  }

  /** Σ|logits(quantiles) − target|, gradients reaching the quantiles only. */
  loss(): tf.Scalar {
    return tf.tidy(() => {
      const logits = this.logitsCumulative(this.quantiles as tf.Tensor3D, true);
      return tf.sum(tf.abs(tf.sub(logits, tf.tensor3d(this.target, [1, 1, 3]))));
    });
  }

  /** CompressAI's _update_quantiles: bisection for each target on the cumulative logits. */
  private searchQuantiles(radius = 1e5, rtol = 1e-4, atol = 1e-3): Float32Array {
    const c = this.channels;
    const out = new Float32Array(c * 3);
    const f = (v: Float32Array) => tf.tidy(() => this.logitsCumulative(tf.tensor3d(v, [c, 1, 1]), true).dataSync() as Float32Array);
    for (let t = 0; t < 3; t++) {
      const target = this.target[t]!;
      let low = new Float32Array(c).fill(-radius);
      let high = new Float32Array(c).fill(radius);
      const fHigh = f(high);
      low = low.map((l, i) => (target <= fHigh[i]! ? l : high[i]!));
      const fLow = f(low);
      high = high.map((h, i) => (fLow[i]! <= target ? h : low[i]!));
      const close = () => low.every((l, i) => Math.abs(l - high[i]!) <= atol + rtol * Math.abs(high[i]!));
      for (let iter = 0; iter < 200 && !close(); iter++) {
        const mid = low.map((l, i) => (l + high[i]!) / 2);
        const fm = f(mid);
        low = low.map((l, i) => (fm[i]! <= target ? mid[i]! : l));
        high = high.map((h, i) => (fm[i]! >= target ? mid[i]! : h));
      }
      for (let i = 0; i < c; i++) out[i * 3 + t] = (low[i]! + high[i]!) / 2;
    }
    return out;
  }

  /**
   * Builds the quantized CDFs (CompressAI's update()): optionally (newer CompressAI's default;
   * off here, as in the reference version 869a9f5d whose tables it reproduces exactly) re-fits
   * the quantiles by bisection first, then tabulates each channel's pmf from ceil(median − q0) below to
   * ceil(q2 − median) above the median. No-op when tables exist, unless force.
   */
  update(force = false, updateQuantiles = false): boolean {
    if (this.cdf.ready && !force) return false;
    const c = this.channels;
    if (updateQuantiles) this.quantiles.assign(tf.tensor3d(this.searchQuantiles(), [c, 1, 3]));
    const q = this.quantiles.dataSync() as Float32Array;
    const minima = new Int32Array(c);
    const lengths = new Int32Array(c);
    const starts = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      const med = q[i * 3 + 1]!;
      minima[i] = Math.max(0, Math.ceil(Math.fround(med - q[i * 3]!)));
      const maxima = Math.max(0, Math.ceil(Math.fround(q[i * 3 + 2]! - med)));
      starts[i] = Math.fround(med - minima[i]!);
      lengths[i] = maxima + minima[i]! + 1;
    }
    const maxLength = lengths.reduce((a, b) => Math.max(a, b), 0);
    const samples = new Float32Array(c * maxLength);
    for (let i = 0; i < c; i++) for (let j = 0; j < maxLength; j++) samples[i * maxLength + j] = j + starts[i]!;
    const { pmf, tails } = tf.tidy(() => {
      const r = this.likelihood(tf.tensor3d(samples, [c, 1, maxLength]), true);
      const lowerFirst = tf.sigmoid(tf.slice(r.lower, [0, 0, 0], [c, 1, 1]));
      const upperLast = tf.sigmoid(tf.neg(tf.slice(r.upper, [0, 0, maxLength - 1], [c, 1, 1])));
      return { pmf: r.likelihood.dataSync() as Float32Array, tails: tf.add(lowerFirst, upperLast).dataSync() as Float32Array };
    });
    const pmfs = Array.from({ length: c }, (_, i) => pmf.slice(i * maxLength, (i + 1) * maxLength));
    const { cdfs, cdfLengths } = buildQuantizedCdfTable(pmfs, tails, lengths);
    this.cdf.set({ cdfs, cdfLengths, offsets: Int32Array.from(minima, (m) => -m) });
    return true;
  }

  /** One rANS string per batch item: symbols round(y − median) in C order, index = channel. */
  compress(y: tf.Tensor4D): Uint8Array[] {
    const tables = this.cdf.tables('EntropyBottleneck.compress');
    const [b, h, w, c] = y.shape;
    const symbols = tf.tidy(() => tf.round(tf.sub(y, this.medians())) as tf.Tensor4D);
    const indexes = channelIndexes(c, h * w);
    try {
      return Array.from({ length: b }, (_, i) => ransEncodeWithIndexes(Int32Array.from(channelMajor(symbols, i)), indexes, tables));
    } finally {
      symbols.dispose();
    }
  }

  /** Inverse of compress: NHWC [strings.length, h, w, C], symbols + medians. */
  decompress(strings: Uint8Array[], [h, w]: [number, number]): tf.Tensor4D {
    const tables = this.cdf.tables('EntropyBottleneck.decompress');
    const c = this.channels;
    const med = this.quantiles.dataSync() as Float32Array;
    const indexes = channelIndexes(c, h * w);
    const items = strings.map((s) => {
      const sym = ransDecodeWithIndexes(s, indexes, tables);
      return Float32Array.from(sym, (v, k) => v + med[Math.floor(k / (h * w)) * 3 + 1]!);
    });
    return fromChannelMajor(items, c, h, w);
  }
}

/** CompressAI's _build_indexes for one item: the channel number, C order. */
function channelIndexes(c: number, hw: number): Int32Array {
  const idx = new Int32Array(c * hw);
  for (let i = 0; i < c; i++) idx.fill(i, i * hw, (i + 1) * hw);
  return idx;
}
