import type { NoiseSource } from '../models/ops/noise.js';
import { createModel } from '../models/registry.js';
import type { LearnedModel } from '../models/types.js';
import type { TrainConfig } from './train-config.js';

/**
 * A freshly initialised model for training: weights seeded from the run seed, training noise
 * from `noise` (so both are reproducible).
 */
export function buildTrainModel(cfg: Pick<TrainConfig, 'arch' | 'N' | 'M' | 'seed'>, noise: NoiseSource): LearnedModel {
  const model = createModel({ arch: cfg.arch, N: cfg.N, M: cfg.M }, { seed: cfg.seed });
  model.noise = noise;
  return model;
}
