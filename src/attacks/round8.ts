import { ConfigError } from '../errors.js';
import type { Distance } from './distances.js';

const LEVELS = 255;
/** Below this many 8-bit levels a value counts as on the grid (float32 k/255 is off by ~1e-5 levels). */
const ON_GRID = 1e-3;

/**
 * Rounds an adversarial image to the 8-bit grid (what an attacker can hand over) and makes
 * sure the budget still holds on the ROUNDED image, whatever the attack returned:
 * - L∞: each value is clamped to the 8-bit levels inside [x-ε, x+ε] ∩ [0,1] (for an 8-bit
 *   original that is ±floor(255ε) levels, so ε = k/255 is kept exactly);
 * - L2: rounding may push the norm over ε; the perturbation is then shrunk by the largest
 *   factor (binary search) whose rounding fits.
 * Returns values k/255. Throws ConfigError when no 8-bit image fits (ε below the rounding error
 * of an original that is not itself 8-bit).
 */
export function roundIntoBudget(x: Float32Array, xAdv: Float32Array, dist: Distance): Float32Array {
  if (x.length !== xAdv.length) throw new RangeError(`roundIntoBudget: ${x.length} vs ${xAdv.length} values`);
  const levels = dist.norm === 'linf' ? roundLinf(x, xAdv, dist.eps) : roundL2(x, xAdv, dist.eps);
  const out = new Float32Array(levels.length);
  for (let i = 0; i < levels.length; i++) out[i] = levels[i]! / LEVELS;
  return out;
}

function roundLinf(x: Float32Array, xAdv: Float32Array, eps: number): Uint8Array {
  const out = new Uint8Array(x.length);
  const steps = Math.floor(eps * LEVELS + 1e-9);
  for (let i = 0; i < x.length; i++) {
    const xl = x[i]! * LEVELS;
    const k = Math.round(xl);
    let lo: number;
    let hi: number;
    if (Math.abs(xl - k) < ON_GRID) {
      lo = k - steps;
      hi = k + steps;
    } else {
      lo = Math.ceil(xl - eps * LEVELS - 1e-9);
      hi = Math.floor(xl + eps * LEVELS + 1e-9);
    }
    lo = Math.max(0, lo);
    hi = Math.min(LEVELS, hi);
    if (lo > hi) {
      throw new ConfigError(`budget.eps ${eps} is below the 8-bit rounding error of the original image (value ${x[i]} at index ${i}); use an 8-bit original or eps ≥ 1/510`);
    }
    const v = Math.round(clamp01(xAdv[i]!) * LEVELS);
    out[i] = Math.min(hi, Math.max(lo, v));
  }
  return out;
}

function roundL2(x: Float32Array, xAdv: Float32Array, eps: number): Uint8Array {
  const at = (s: number): Uint8Array => {
    const v = new Uint8Array(x.length);
    for (let i = 0; i < x.length; i++) v[i] = Math.round(clamp01(x[i]! + s * (xAdv[i]! - x[i]!)) * LEVELS);
    return v;
  };
  const fits = (v: Uint8Array): boolean => l2Levels(x, v) <= eps * (1 + 1e-9);
  const full = at(1);
  if (fits(full)) return full;
  let best = at(0);
  if (!fits(best)) {
    throw new ConfigError(`budget L2 radius ${eps} is below the 8-bit rounding error of the original image; use an 8-bit original or a larger budget`);
  }
  let lo = 0;
  let hi = 1;
  for (let it = 0; it < 30; it++) {
    const mid = (lo + hi) / 2;
    const v = at(mid);
    if (fits(v)) {
      lo = mid;
      best = v;
    } else hi = mid;
  }
  return best;
}

function l2Levels(x: Float32Array, v: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = v[i]! / LEVELS - x[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

function clamp01(v: number): number {
  return v > 0 ? (v < 1 ? v : 1) : 0;
}
