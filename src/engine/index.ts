import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node bundle registers neither gradients nor chained ops (t.sum()); the union
// package's Node bundle registers both into the same tfjs-core instance.
import '@tensorflow/tfjs';

export type EngineName = 'ort' | 'cpu';

export interface EngineOptions {
  /** 'ort' | 'cpu'; default: env ADVLIC_ENGINE, else 'ort' falling back to 'cpu'. */
  engine?: EngineName;
  /** Intra-op threads for ORT; default env ADVLIC_THREADS, else the number of cores. */
  threads?: number;
}

/**
 * Selects and initialises the tensor engine. Call once before any tensor work; idempotent.
 * (Until the ORT backend lands this always selects the pure-JS 'cpu' backend.)
 */
export async function initEngine(opts: EngineOptions = {}): Promise<{ name: EngineName }> {
  void opts;
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu' };
}

export { tf };
