import { tf } from '../../engine/index.js';
import type { QuantMode } from '../../codec/types.js';
import { ransDecodeWithIndexes, ransEncodeWithIndexes } from '../../entropy/rans.js';
import { buildGaussianConditionalTables } from '../../entropy/cdf.js';
import { scalarBuffer, type ParamStore, positiveConstantBuffer } from '../param-store.js';
import { likelihoodInput, quantize } from '../ops/quantize.js';
import { boundedGaussianLikelihood, SCALE_BOUND } from '../ops/gaussian-likelihood.js';
import type { NoiseSource } from '../ops/noise.js';
import { CdfBuffers } from './cdf-buffers.js';
import { channelMajor, fromChannelMajor } from './layout.js';
import { defaultScaleTable, isValidScaleTable, scaleIndex } from './scale-table.js';

/**
 * CompressAI's GaussianConditional: latents coded with a discretized N(mean, scale), scales
 * mapped to the nearest-above entry of a log-spaced table for entropy coding (64 entries by
 * default, as CompressAI; a weights file may carry a finer one: see scale-table.ts).
 */
export class GaussianConditional {
  readonly cdf = new CdfBuffers();
  private table: Float32Array = new Float32Array(0);
  /** The scale table's entries are strictly increasing (every table advlic or CompressAI builds). */
  private increasing = false;
  private scaleBound = Math.fround(SCALE_BOUND);
  private lowerBoundScale = Math.fround(SCALE_BOUND);
  private likelihoodBound = Math.fround(1e-9);

  constructor(store: ParamStore, prefix: string, readonly tailMass = 1e-9) {
    // The table before its CDFs, so that loading a checkpoint sets the table (dropping CDFs built
    // for another one) and then the checkpoint's own CDFs, if it stores them. A file without a
    // table (slim weights: see derivable.ts) means the default one.
    store.addBuffer(`${prefix}.scale_table`, {
      get: () => ({ shape: [this.scaleTable.length], dtype: 'float32', data: this.scaleTable.slice() }),
      set: (t) => this.replaceTable(Float32Array.from(t.data)),
      absent: () => this.replaceTable(defaultScaleTable()),
      flexible: true,
      optional: true,
    });
    this.cdf.register(store, prefix);
    store.addBuffer(`${prefix}.scale_bound`, scalarBuffer(() => this.scaleBound, (v) => (this.scaleBound = v)));
    store.addBuffer(`${prefix}.lower_bound_scale.bound`, scalarBuffer(() => this.lowerBoundScale, (v) => (this.lowerBoundScale = v)));
    store.addBuffer(`${prefix}.likelihood_lower_bound.bound`, positiveConstantBuffer(() => this.likelihoodBound, (v) => (this.likelihoodBound = v)));
  }

  /** Quantized y and its likelihood (lower-bounded), NHWC; means optional (scale-only model). */
  forward(
    y: tf.Tensor4D,
    scales: tf.Tensor4D,
    means: tf.Tensor4D | undefined,
    mode: QuantMode,
    noise?: NoiseSource,
  ): { yHat: tf.Tensor4D; likelihood: tf.Tensor4D } {
    return tf.tidy(() => {
      const yHat = quantize(y, mode, means, noise);
      const atValue = likelihoodInput(y, yHat, mode, means, noise);
      return { yHat, likelihood: boundedGaussianLikelihood(atValue, scales, means, this.lowerBoundScale, this.likelihoodBound) };
    });
  }

  /** Scales (ascending) whose discretized Gaussians have CDF tables; empty before update(). */
  get scaleTable(): Float32Array {
    return this.table;
  }

  private setTable(table: Float32Array): void {
    this.table = table;
    this.increasing = isValidScaleTable(table);
  }

  /** A loaded table: CDF tables built for a different one no longer apply. */
  private replaceTable(table: Float32Array): void {
    const same = table.length === this.table.length && table.every((v, i) => v === this.table[i]);
    if (same) return;
    if (this.table.length > 0) this.cdf.clear();
    this.setTable(table);
  }

  /**
   * Replaces the scale table (strictly increasing, positive) and rebuilds the CDF tables from it.
   * The decoder must use the same table: it is part of the weights (`scale_table`).
   */
  setScaleTable(table: Float32Array): void {
    if (!isValidScaleTable(table)) throw new RangeError('a scale table must be positive and strictly increasing');
    this.setTable(Float32Array.from(table));
    this.buildCdfs();
  }

  private buildCdfs(): void {
    this.cdf.set(buildGaussianConditionalTables(this.table, this.tailMass));
  }

  /** CDF index per scale: len−1 minus the number of table entries (but the last) ≥ the bounded scale. */
  buildIndexes(scales: Float32Array): Int32Array {
    const table = this.scaleTable;
    const last = table.length - 1;
    const bound = this.lowerBoundScale;
    // Plain loops: Int32Array.from with a mapping function was 4-5x slower (bench/scale-table.ts).
    const out = new Int32Array(scales.length);
    if (this.increasing) {
      for (let i = 0; i < scales.length; i++) out[i] = scaleIndex(table, Math.max(scales[i]!, bound));
      return out;
    }
    for (let i = 0; i < scales.length; i++) {
      const s = Math.max(scales[i]!, bound);
      let idx = last;
      for (let k = 0; k < last; k++) if (s <= table[k]!) idx--;
      out[i] = idx;
    }
    return out;
  }

  /**
   * Builds the CDF tables when absent (or when forced, e.g. after training) from the scale
   * table: the one loaded with the weights if any, else the default.
   */
  update(force = false): boolean {
    if (this.cdf.ready && !force) return false;
    if (this.table.length === 0) this.setTable(defaultScaleTable());
    this.buildCdfs();
    return true;
  }

  /** One string per batch item: symbols round(y − means) and indexes from scales, C order. */
  compress(y: tf.Tensor4D, scales: tf.Tensor4D, means?: tf.Tensor4D): Uint8Array[] {
    const tables = this.cdf.tables('GaussianConditional.compress');
    const symbols = tf.tidy(() => tf.round(means ? tf.sub(y, means) : y) as tf.Tensor4D);
    try {
      return Array.from({ length: y.shape[0] }, (_, i) =>
        ransEncodeWithIndexes(Int32Array.from(channelMajor(symbols, i)), this.buildIndexes(channelMajor(scales, i)), tables),
      );
    } finally {
      symbols.dispose();
    }
  }

  /** Inverse of compress given the same scales (and means): NHWC y_hat. */
  decompress(strings: Uint8Array[], scales: tf.Tensor4D, means?: tf.Tensor4D): tf.Tensor4D {
    const tables = this.cdf.tables('GaussianConditional.decompress');
    const [, h, w, c] = scales.shape;
    const items = strings.map((s, i) => {
      const sym = ransDecodeWithIndexes(s, this.buildIndexes(channelMajor(scales, i)), tables);
      const m = means ? channelMajor(means, i) : undefined;
      return Float32Array.from(sym, (v, k) => (m ? v + m[k]! : v));
    });
    return fromChannelMajor(items, c, h, w);
  }
}
