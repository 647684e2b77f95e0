import { ConfigError } from '../errors.js';
import type { DifferentiableCodec } from '../codec/types.js';
import { defenceId } from './defence-id.js';
import { mixSeed } from './seed.js';
import { IDENTITY, type Placement } from './placement.js';
import { SelectionDefence } from './select-codec.js';
import type { GradientMode } from './types.js';

export interface TwoWayOptions {
  /** Largest circular shift, in pixels, of the random transform (0: symmetries only). Default 16. */
  shift?: number;
  lambda?: number;
  seed?: number;
  eotSamples?: number;
  gradientMode?: GradientMode;
}

export const TWO_WAY_DEFAULTS = { shift: 16 };

/**
 * Randomized two-way compression: code x and a seeded random invertible transform of x (one of
 * the 7 non-trivial symmetries after a random circular shift, which also moves the latent grid
 * under the content), keep the cheaper in real R-D cost. The attacker cannot know which
 * transform a call will draw: adaptive attacks use EOT over the draws.
 */
export class TwoWayDefence extends SelectionDefence {
  private readonly shift: number;

  constructor(inner: DifferentiableCodec, opts: TwoWayOptions = {}) {
    const shift = opts.shift ?? TWO_WAY_DEFAULTS.shift;
    if (!Number.isInteger(shift) || shift < 0) throw new ConfigError(`defence twoway: shift must be an integer ≥ 0 (got ${shift})`);
    super(inner, 'twoway', true, {
      id: defenceId('twoway', { shift, ...(opts.gradientMode === 'naive' ? { mode: 0 } : {}) }, TWO_WAY_DEFAULTS, inner.id),
      options: { shift },
      ...(opts.lambda !== undefined ? { lambda: opts.lambda } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.eotSamples !== undefined ? { eotSamples: opts.eotSamples } : {}),
      ...(opts.gradientMode ? { gradientMode: opts.gradientMode } : {}),
    });
    this.shift = shift;
  }

  protected candidates(seed: number, height: number, width: number): Placement[] {
    const draw = (i: number, n: number) => mixSeed(seed, i) % n;
    const d = 1 + draw(1, 7);
    const dy = this.shift ? draw(2, Math.min(this.shift + 1, height)) : 0;
    const dx = this.shift ? draw(3, Math.min(this.shift + 1, width)) : 0;
    return [IDENTITY, { d, dy, dx }];
  }
}
