import type { DifferentiableCodec } from '../codec/types.js';
import { defenceId } from './defence-id.js';
import type { Placement } from './placement.js';
import { SelectionDefence } from './select-codec.js';
import type { GradientMode } from './types.js';

export interface SelfEnsembleOptions {
  lambda?: number;
  gradientMode?: GradientMode;
}

/**
 * Geometric self-ensemble: code all 8 flips/rotations, keep the cheapest in real R-D cost,
 * signal which, invert after decoding. Deterministic (no EOT needed).
 */
export class SelfEnsembleDefence extends SelectionDefence {
  constructor(inner: DifferentiableCodec, opts: SelfEnsembleOptions = {}) {
    super(inner, 'selfensemble', false, {
      id: defenceId('selfensemble', opts.gradientMode === 'naive' ? { mode: 0 } : {}, {}, inner.id),
      options: {},
      ...(opts.lambda !== undefined ? { lambda: opts.lambda } : {}),
      ...(opts.gradientMode ? { gradientMode: opts.gradientMode } : {}),
    });
  }

  protected candidates(): Placement[] {
    return Array.from({ length: 8 }, (_, d) => ({ d, dy: 0, dx: 0 }));
  }
}
