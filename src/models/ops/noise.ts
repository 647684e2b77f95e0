import { tf } from '../../engine/index.js';

/** Source of the U(-0.5, 0.5) training noise; seeded so that training runs are reproducible. */
export interface NoiseSource {
  uniform(shape: number[]): tf.Tensor;
}

/**
 * Deterministic noise: call k draws with seed `seed + k`, so a run with the same seed and the
 * same sequence of forward passes sees the same noise.
 */
export class SeededNoise implements NoiseSource {
  private calls = 0;
  constructor(private readonly seed: number) {}

  uniform(shape: number[]): tf.Tensor {
    const s = this.seed + this.calls++;
    return tf.randomUniform(shape, -0.5, 0.5, 'float32', s);
  }
}

/** Unseeded noise (Math.random based), the default when no seed is given. */
export const randomNoise: NoiseSource = {
  uniform: (shape) => tf.randomUniform(shape, -0.5, 0.5, 'float32'),
};
