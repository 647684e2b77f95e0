import { z } from 'zod';
import { tf } from '../engine/index.js';
import { BaseAttack } from './base.js';
import type { AttackContext } from './context.js';
import { parseOptions, positive, positiveInt } from './options.js';

/**
 * Square attack — Andriushchenko et al., "Square Attack: a query-efficient black-box adversarial
 * attack via random search", ECCV 2020. Score-based: needs only the objective's value, from the
 * forward pass without gradient or (oracle 'codec', the default for non-differentiable codecs)
 * a real compress/decompress round trip, so it attacks classical codecs too. Designed for few
 * queries: `queries` is the total budget, including the initial one.
 * - L∞ (the paper's algorithm): start from vertical stripes of ±ε; each query redraws one random
 *   square window with a random ±ε per channel and keeps it if the objective improves; the window
 *   area follows the paper's p schedule (halving at fixed fractions of the budget).
 * - L2/PSNR: the same random search with ±ν windows (ν sized so that a window carries `l2Boost`
 *   times its area's share of ε²), the proposal projected back onto the L2 ball — simpler than
 *   the paper's L2 mass-shifting update.
 */
export const squareSchema = z
  .object({
    queries: positiveInt().default(100),
    pInit: z.number().gt(0).max(1).default(0.05),
    oracle: z.enum(['auto', 'forward', 'codec']).default('auto'),
    l2Boost: positive().default(3),
  })
  .strict();
export type SquareOptions = z.infer<typeof squareSchema>;

// The paper's schedule: p is halved when the query index (rescaled to a 10 000 budget) passes these.
const HALVINGS = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];

export class Square extends BaseAttack<SquareOptions> {
  readonly name = 'square';
  readonly kind = 'black-box' as const;

  constructor(options: unknown = {}) {
    super(parseOptions('square', squareSchema, options));
  }

  protected async perturb(ctx: AttackContext): Promise<tf.Tensor4D> {
    const { queries, pInit } = this.options;
    const oracle = this.options.oracle === 'auto' ? 'forward' : this.options.oracle;
    const [, h, w, c] = ctx.shape;
    const x = Float32Array.from(ctx.x.dataSync() as Float32Array);
    const { norm, eps } = ctx.distance;
    const numel = h * w * c;
    const amp = norm === 'linf' ? eps : eps / Math.sqrt(numel);
    const rng = ctx.rng;

    // Vertical stripes: one random sign per column and channel.
    let delta = new Float32Array(numel);
    const colSign = Array.from({ length: w * c }, () => rng.sign());
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) delta[(i * w + j) * c + k] = amp * colSign[j * c + k]!;

    const evaluate = async (d: Float32Array) => {
      const t = tf.tidy(() => tf.tensor4d(compose(x, d), ctx.shape));
      try {
        return await ctx.value(t, oracle);
      } finally {
        t.dispose();
      }
    };
    let best = await evaluate(delta);
    ctx.report(1, queries, best);

    for (let q = 1; q < queries; q++) {
      const p = pSchedule(pInit, q, queries);
      const side = Math.max(1, Math.min(Math.round(Math.sqrt(p * h * w)), Math.min(h, w) - 1));
      const r0 = rng.int(h - side + 1);
      const c0 = rng.int(w - side + 1);
      const cand = Float32Array.from(delta);
      const v = norm === 'linf' ? eps : (eps * Math.sqrt(this.options.l2Boost)) / Math.sqrt(numel);
      for (let k = 0; k < c; k++) {
        const s = rng.sign() * v;
        for (let i = r0; i < r0 + side; i++) for (let j = c0; j < c0 + side; j++) cand[(i * w + j) * c + k] = s;
      }
      if (norm === 'l2') projectL2(cand, eps);
      const e = await evaluate(cand);
      if (e.loss > best.loss) {
        best = e;
        delta = cand;
      }
      ctx.report(q + 1, queries, best);
    }
    return tf.tensor4d(compose(x, delta), ctx.shape);
  }
}

/** x + δ clipped to [0,1]. */
function compose(x: Float32Array, d: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(1, Math.max(0, x[i]! + d[i]!));
  return out;
}

function projectL2(d: Float32Array, eps: number): void {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i]! * d[i]!;
  const n = Math.sqrt(s);
  if (n > eps) for (let i = 0; i < d.length; i++) d[i] = (d[i]! * eps) / n;
}

/** Fraction of pixels the window covers at query q of `total` (Andriushchenko et al., Sec. 3). */
export function pSchedule(pInit: number, q: number, total: number): number {
  const it = Math.floor((q / total) * 10000);
  let p = pInit;
  for (const t of HALVINGS) if (it > t) p /= 2;
  return p;
}
