import { defaultScaleTable } from '../entropy/gaussian-conditional.js';
import { floatToHalf, halfToFloat } from './half.js';
import type { StateDict } from './types.js';

/**
 * Buffers that a model rebuilds exactly on load, so shipped weight files need not store them:
 * - the PixelCNN masks of masked convolutions (`*.mask`): fixed by the layer's type and size;
 * - the Gaussian conditional's scale table and CDF tables, when the table is advlic's default
 *   (every model advlic trains): update() rebuilds `_quantized_cdf`/`_cdf_length`/`_offset`
 *   from it bit-exactly. Any other table — a CompressAI checkpoint's differs from ours in the
 *   last bit of 8 entries — is kept with its CDFs.
 * Entropy-bottleneck CDFs depend on learned quantiles and are small: they stay.
 * Together these were ~12 MB of the ~56 MB of shipped fp16 weights.
 */
const GC_TABLES = ['scale_table', '_quantized_cdf', '_cdf_length', '_offset'].map((b) => `gaussian_conditional.${b}`);

export function withoutDerivableBuffers(sd: StateDict): StateDict {
  const dropGc = isDefaultScaleTable(sd.get('gaussian_conditional.scale_table')?.data);
  return new Map([...sd].filter(([key]) => !key.endsWith('.mask') && !(dropGc && GC_TABLES.includes(key))));
}

/** The default table, stored either as float32 or (shipped files) rounded to float16. */
function isDefaultScaleTable(data: ArrayLike<number> | undefined): boolean {
  const ours = defaultScaleTable();
  if (!data || data.length !== ours.length) return false;
  const same = (round: (v: number) => number) => ours.every((v, i) => round(v) === data[i]);
  return same((v) => v) || same((v) => halfToFloat(floatToHalf(v)));
}
