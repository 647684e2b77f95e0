import { initEngine, tf } from '../../src/engine/index.js';

/** Random values in [-1, 1) from a seeded generator, so failures reproduce. */
export function rand(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  return tf.randomUniform(shape, lo, hi, 'float32', seed);
}

/**
 * Runs `f` on the cpu (reference) and ort engines with the same inputs and returns the
 * largest error relative to the reference's largest magnitude, over all outputs.
 */
export async function compareEngines(f: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const run = async (engine: 'cpu' | 'ort'): Promise<Float32Array[]> => {
    await initEngine({ engine });
    const outs = tf.tidy(() => {
      const r = f();
      return Array.isArray(r) ? r : [r];
    });
    const data = outs.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(outs);
    return data;
  };
  const ref = await run('cpu');
  const got = await run('ort');
  let worst = 0;
  ref.forEach((r, i) => {
    const g = got[i];
    if (g.length !== r.length) throw new Error(`output ${i}: length ${g.length} vs ${r.length}`);
    let scale = 0;
    for (const v of r) scale = Math.max(scale, Math.abs(v));
    let err = 0;
    for (let j = 0; j < r.length; j++) {
      const d = Math.abs(g[j] - r[j]);
      if (!(d <= err)) err = Number.isNaN(d) ? Infinity : d;
    }
    worst = Math.max(worst, err / Math.max(scale, 1e-12));
  });
  return worst;
}

/** True when the ort kernel really ran (the engine is 'ort' after init). */
export async function ortAvailable(): Promise<boolean> {
  return (await initEngine({ engine: 'ort' })).name === 'ort';
}
