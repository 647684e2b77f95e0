import { buildGaussianConditionalTables } from '../../entropy/cdf.js';
import { defaultScaleTable } from '../entropy/scale-table.js';
import { floatToHalf, halfToFloat } from './half.js';
import type { StateDict, TensorData } from './types.js';

/**
 * Buffers that a model rebuilds exactly on load, so shipped weight files need not store them:
 * - the PixelCNN masks of masked convolutions (`*.mask`): fixed by the layer's type and size;
 * - the Gaussian conditional's CDF tables (`_quantized_cdf`/`_cdf_length`/`_offset`) when
 *   update() rebuilds them bit-exactly from the stored scale table (tables this code built; a
 *   checkpoint's CDFs built otherwise are kept);
 * - the scale table itself when it is advlic's default (a file without one means the default).
 *   A finer table (scale-table.ts) or a CompressAI checkpoint's (it differs from ours in the last
 *   bit of 8 entries) is kept.
 * Entropy-bottleneck CDFs depend on learned quantiles and are small: they stay.
 * Together these were ~12 MB of the ~56 MB of shipped fp16 weights.
 */
const GC = 'gaussian_conditional';
const GC_CDFS = ['_quantized_cdf', '_cdf_length', '_offset'].map((b) => `${GC}.${b}`);
const GC_TABLE = `${GC}.scale_table`;

/**
 * The state dict with another Gaussian-conditional scale table, and without the CDF buffers built
 * for the old one (update() builds the new ones on load).
 */
export function withScaleTable(sd: StateDict, table: Float32Array): StateDict {
  const out = new Map([...sd].filter(([key]) => !GC_CDFS.includes(key)));
  out.set(GC_TABLE, { shape: [table.length], dtype: 'float32', data: Float32Array.from(table) });
  return out;
}

export function withoutDerivableBuffers(sd: StateDict): StateDict {
  const table = sd.get(GC_TABLE)?.data;
  const dropTable = isDefaultScaleTable(table);
  const dropCdfs = table !== undefined && cdfsRebuildFrom(table, sd);
  return new Map(
    [...sd].filter(([key]) => !key.endsWith('.mask') && !(dropTable && key === GC_TABLE) && !(dropCdfs && GC_CDFS.includes(key))),
  );
}

/** The default table, stored either as float32 or (shipped files) rounded to float16. */
function isDefaultScaleTable(data: ArrayLike<number> | undefined): boolean {
  const ours = defaultScaleTable();
  if (!data || data.length !== ours.length) return false;
  const same = (round: (v: number) => number) => ours.every((v, i) => round(v) === data[i]);
  return same((v) => v) || same((v) => halfToFloat(floatToHalf(v)));
}

/** True when the stored CDF buffers are absent or exactly what update() builds from `table`. */
function cdfsRebuildFrom(table: ArrayLike<number>, sd: StateDict): boolean {
  const [cdf, lengths, offsets] = GC_CDFS.map((k) => sd.get(k));
  if (!cdf && !lengths && !offsets) return true;
  if (!cdf || !lengths || !offsets || table.length === 0) return false;
  const built = buildGaussianConditionalTables(Float32Array.from(table));
  const width = built.cdfs.reduce((m, r) => Math.max(m, r.length), 0);
  const same = (t: TensorData, want: Int32Array, shape: number[]) =>
    t.shape.length === shape.length && t.shape.every((v, i) => v === shape[i]) && t.data.length === want.length && want.every((v, i) => v === t.data[i]);
  const flat = new Int32Array(built.cdfs.length * width);
  built.cdfs.forEach((r, i) => flat.set(r, i * width));
  return same(offsets, built.offsets, [built.offsets.length]) && same(lengths, built.cdfLengths, [built.cdfLengths.length]) && same(cdf, flat, [built.cdfs.length, width]);
}
