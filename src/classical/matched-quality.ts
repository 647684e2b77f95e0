/**
 * "At matched clean bpp" comparisons: for one image and a target bpp, the setting of a
 * classical codec whose REAL bpp is closest to the target, found by bisection over the codec's
 * native parameter (integer parameters: down to adjacent values, then the closer of the two;
 * continuous ones: a fixed number of halvings, on a log scale for distances). Every setting
 * tried is a real encode; rate is assumed monotone in the parameter (true up to small wiggles,
 * which is why the best point seen is returned, not the last one).
 */
import type { Codec } from '../codec/types.js';
import { ConfigError } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import { bppFromBytes } from '../metrics/bpp.js';
import { classicalCodecDef } from './registry.js';
import { fmt, parseSpec, specName } from './spec.js';

export interface MatchedQuality {
  /** Canonical id of the chosen setting (a valid spec). */
  spec: string;
  codec: Codec;
  /** Native parameter value chosen. */
  value: number;
  bpp: number;
  bytes: Uint8Array;
  /** Encodes performed. */
  encodes: number;
}

export interface MatchOptions {
  /** Halvings for continuous parameters (default 12). */
  iterations?: number;
  /** Stop once |bpp − target| ≤ tolerance · target (default 0.005; integer parameters always run to adjacent values). */
  tolerance?: number;
}

/**
 * `base` names the codec and its options, with or without a quality: "jpeg", "jpeg:444",
 * "hevc@qp30:444" (the quality part is ignored).
 */
export async function matchQualityToBpp(base: string, image: RgbImage, targetBpp: number, opts: MatchOptions = {}): Promise<MatchedQuality> {
  if (!(targetBpp > 0 && Number.isFinite(targetBpp))) throw new ConfigError(`matched quality: target bpp must be > 0, got ${targetBpp}`);
  const def = classicalCodecDef(specName(base));
  if (!def) throw new ConfigError(`matched quality: "${base}" is not a classical codec`);
  const options = parseSpec(base).options;
  const n = def.native;
  const specFor = (v: number) => `${def.name}@${n.prefix}${fmt(v)}${options.map((o) => `:${o}`).join('')}`;

  const seen = new Map<number, MatchedQuality>();
  let encodes = 0;
  const evaluate = async (v: number): Promise<MatchedQuality> => {
    const hit = seen.get(v);
    if (hit) return hit;
    const codec = def.create(parseSpec(specFor(v)));
    const bytes = await codec.compress(image);
    encodes++;
    const r: MatchedQuality = { spec: codec.id, codec, value: v, bpp: bppFromBytes(bytes, image.width, image.height), bytes, encodes: 0 };
    seen.set(v, r);
    return r;
  };
  // Work in a coordinate u where larger u means more bits.
  const toU = (v: number) => (n.log ? Math.log(v) : v) * (n.increasing ? 1 : -1);
  const fromU = (u: number) => {
    const v = n.increasing ? u : -u;
    return n.log ? Math.exp(v) : v;
  };
  const snap = (v: number) => (n.integer ? Math.round(v) : Number(fmt(Math.min(n.max, Math.max(n.min, v)))));
  let lo = Math.min(toU(n.min), toU(n.max));
  let hi = Math.max(toU(n.min), toU(n.max));

  const low = await evaluate(snap(fromU(lo)));
  const high = await evaluate(snap(fromU(hi)));
  if (targetBpp <= low.bpp || targetBpp >= high.bpp) {
    const best = targetBpp <= low.bpp ? low : high;
    return { ...best, encodes };
  }
  const iterations = opts.iterations ?? 12;
  const tolerance = opts.tolerance ?? 0.005;
  for (let i = 0; i < (n.integer ? 64 : iterations); i++) {
    const mid = snap(fromU((lo + hi) / 2));
    if (n.integer && (mid === snap(fromU(lo)) || mid === snap(fromU(hi)))) break;
    const r = await evaluate(mid);
    if (!n.integer && Math.abs(r.bpp - targetBpp) <= tolerance * targetBpp) break;
    if (r.bpp < targetBpp) lo = toU(mid);
    else hi = toU(mid);
  }
  let best: MatchedQuality | undefined;
  for (const r of seen.values()) if (!best || Math.abs(r.bpp - targetBpp) < Math.abs(best.bpp - targetBpp)) best = r;
  return { ...best!, encodes };
}
