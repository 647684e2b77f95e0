import { UnknownModelError } from '../errors.js';
import type { CompressionModel } from '../models/architectures/compression-model.js';
import { FactorizedPrior } from '../models/architectures/factorized-prior.js';
import { MeanScaleHyperprior } from '../models/architectures/mean-scale-hyperprior.js';
import { ScaleHyperprior } from '../models/architectures/scale-hyperprior.js';
import type { NoiseSource } from '../models/ops/noise.js';
import type { TrainConfig } from './train-config.js';

/**
 * A freshly initialised model for training: weights seeded from the run seed, training noise
 * from `noise` (so both are reproducible).
 */
export function buildTrainModel(cfg: Pick<TrainConfig, 'arch' | 'N' | 'M' | 'seed'>, noise: NoiseSource): CompressionModel {
  const opts = { seed: cfg.seed };
  let model: CompressionModel;
  switch (cfg.arch) {
    case 'bmshj2018-factorized':
      model = new FactorizedPrior(cfg.N, cfg.M, opts);
      break;
    case 'bmshj2018-hyperprior':
      model = new ScaleHyperprior(cfg.N, cfg.M, opts);
      break;
    case 'mbt2018-mean':
      model = new MeanScaleHyperprior(cfg.N, cfg.M, opts);
      break;
    default:
      throw new UnknownModelError(`training ${cfg.arch} is not supported yet (use bmshj2018-factorized, bmshj2018-hyperprior or mbt2018-mean)`);
  }
  model.noise = noise;
  return model;
}
