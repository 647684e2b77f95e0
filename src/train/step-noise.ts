import { tf } from '../engine/index.js';
import type { NoiseSource } from '../models/ops/noise.js';
import { mix32 } from './rng.js';

/**
 * Training noise U(-0.5, 0.5) that is a pure function of (run seed, step, draw index within
 * the step). Nothing accumulates across steps, so a run resumed at step s draws exactly the
 * noise an uninterrupted run draws at step s — no noise state has to be checkpointed.
 */
export class StepNoise implements NoiseSource {
  private step = 0;
  private draw = 0;

  constructor(private readonly seed: number) {}

  /** Call before each training step's forward pass. */
  beginStep(step: number): void {
    this.step = step;
    this.draw = 0;
  }

  uniform(shape: number[]): tf.Tensor {
    // Chained hashing: distinct (seed, step, draw) triples give unrelated seeds.
    const s = mix32((mix32((mix32(this.seed ^ 0x5bd1e995) + this.step) >>> 0) + this.draw++) >>> 0);
    return tf.randomUniform(shape, -0.5, 0.5, 'float32', s);
  }
}
