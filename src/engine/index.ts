import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node bundle registers neither gradients nor chained ops (t.sum()); the union
// package's Node bundle registers both into the same tfjs-core instance.
import '@tensorflow/tfjs';
import { defaultThreads, loadOrt, ortThreads } from './ort/runtime.js';
import { registerOrtBackend } from './ort/register.js';

export type EngineName = 'ort' | 'cpu';

export interface EngineOptions {
  /** 'ort' | 'cpu'; default: env ADVLIC_ENGINE, else 'ort' falling back to 'cpu'. */
  engine?: EngineName;
  /** Intra-op threads for ORT; default env ADVLIC_THREADS, else the number of cores. */
  threads?: number;
}

let active: EngineName | undefined;

function requestedEngine(opts: EngineOptions): EngineName {
  const env = process.env.ADVLIC_ENGINE;
  const want = opts.engine ?? (env === 'cpu' || env === 'ort' ? env : 'ort');
  return want;
}

/** Stops the cpu backend's "use tfjs-node" banner: here the native path is ORT. */
function silenceCpuBanner(): void {
  const b = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (b) b.firstUse = false;
}

/**
 * Selects and initialises the tensor engine. Call once before any tensor work; idempotent
 * (a later call with a different engine switches the active TF.js backend).
 * 'ort' runs heavy kernels in ONNX Runtime; if it cannot load, one warning goes to stderr
 * and the pure-JS 'cpu' backend is used.
 */
export async function initEngine(opts: EngineOptions = {}): Promise<{ name: EngineName }> {
  let name = requestedEngine(opts);
  if (name === 'ort') {
    try {
      loadOrt(opts.threads ?? defaultThreads());
      registerOrtBackend();
      if (!(await tf.setBackend('ort'))) throw new Error('tf.setBackend("ort") failed');
    } catch (e) {
      process.stderr.write(`advlic: ONNX Runtime engine unavailable (${(e as Error).message.split('\n')[0]}); using the slow 'cpu' engine\n`);
      name = 'cpu';
    }
  }
  if (name === 'cpu') {
    await tf.setBackend('cpu');
    silenceCpuBanner();
  }
  await tf.ready();
  active = name;
  return { name };
}

/** The engine selected by the last initEngine call, and ORT's thread count. */
export function engineInfo(): { name: EngineName | undefined; threads: number } {
  return { name: active, threads: active === 'ort' ? ortThreads() : 1 };
}

export { tf };
