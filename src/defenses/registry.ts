import { ConfigError } from '../errors.js';
import type { DifferentiableCodec } from '../codec/types.js';
import { BIT_DEPTH_DEFAULTS, bitDepthTransform } from './bit-depth.js';
import { BLUR_DEFAULTS, blurTransform } from './blur.js';
import { defenceId } from './defence-id.js';
import { NOISE_DEFAULTS, noiseTransform } from './gaussian-noise.js';
import { JPEG_DEFAULTS, jpegTransform } from './jpeg.js';
import { PreprocessDefence } from './preprocess-codec.js';
import { RESIZE_DEFAULTS, resizeTransform } from './resize.js';
import { SelfEnsembleDefence } from './self-ensemble.js';
import { TWO_WAY_DEFAULTS, TwoWayDefence } from './two-way.js';
import type { DefendedCodec, GradientMode, InputTransform } from './types.js';

/** Options every defence accepts besides its own. */
const COMMON = ['seed', 'eot', 'lambda', 'mode'] as const;

export interface DefenceEntry {
  readonly name: string;
  readonly summary: string;
  /** How the adaptive attacker gets a gradient. */
  readonly gradient: 'exact' | 'eot' | 'bpda' | 'selection';
  /** The defence's own numeric options and their defaults. */
  readonly defaults: Readonly<Record<string, number>>;
  create(inner: DifferentiableCodec, options: Record<string, number>, common: CommonOptions): DefendedCodec;
}

export interface CommonOptions {
  seed?: number;
  eotSamples?: number;
  lambda?: number;
  gradientMode?: GradientMode;
}

function preprocess(name: string, summary: string, gradient: DefenceEntry['gradient'], defaults: Record<string, number>, make: (o: Record<string, number>) => InputTransform): DefenceEntry {
  return {
    name,
    summary,
    gradient,
    defaults,
    create: (inner, o, c) => {
      const t = make(o);
      return new PreprocessDefence(inner, t, {
        // A naive-attacker codec says so in its id (results of both modes must not look alike).
        id: defenceId(name, { ...t.options, ...(c.gradientMode === 'naive' ? { mode: 0 } : {}) }, defaults, inner.id),
        options: t.options,
        ...(c.seed !== undefined ? { seed: c.seed } : {}),
        ...(c.eotSamples !== undefined ? { eotSamples: c.eotSamples } : {}),
        ...(c.gradientMode ? { gradientMode: c.gradientMode } : {}),
      });
    },
  };
}

/** Every input-transform defence, by name (a list and a lookup). */
export const DEFENCES: readonly DefenceEntry[] = [
  preprocess('jpeg', 'JPEG re-encoding before coding (quality, subsample); BPDA', 'bpda', { ...JPEG_DEFAULTS }, (o) => jpegTransform(o)),
  preprocess('blur', 'Gaussian blur (sigma px); differentiable', 'exact', { ...BLUR_DEFAULTS }, (o) => blurTransform(o)),
  preprocess('noise', 'additive Gaussian noise (sigma on [0,1]), fresh per call; EOT', 'eot', { ...NOISE_DEFAULTS }, (o) => noiseTransform(o)),
  preprocess('bitdepth', 'bit-depth reduction (bits per channel); BPDA', 'bpda', { ...BIT_DEPTH_DEFAULTS }, (o) => bitDepthTransform(o)),
  preprocess('resize', 'bilinear down-up resampling (scale); differentiable', 'exact', { ...RESIZE_DEFAULTS }, (o) => resizeTransform(o)),
  {
    name: 'selfensemble',
    summary: 'code the 8 flips/rotations, keep the cheapest in R-D cost, signal and invert',
    gradient: 'selection',
    defaults: {},
    create: (inner, _o, c) => new SelfEnsembleDefence(inner, { ...(c.lambda !== undefined ? { lambda: c.lambda } : {}), ...(c.gradientMode ? { gradientMode: c.gradientMode } : {}) }),
  },
  {
    name: 'twoway',
    summary: 'code x and a seeded random invertible transform of x (shift px + symmetry), keep the cheaper; EOT',
    gradient: 'selection',
    defaults: { ...TWO_WAY_DEFAULTS },
    create: (inner, o, c) => new TwoWayDefence(inner, { shift: o.shift!, ...c }),
  },
];

export const DEFENCE_NAMES = DEFENCES.map((d) => d.name);

export function defenceEntry(name: string): DefenceEntry {
  const e = DEFENCES.find((d) => d.name === name);
  if (!e) throw new ConfigError(`unknown defence '${name}' (known: ${DEFENCE_NAMES.join(', ')})`);
  return e;
}

/**
 * Wraps `inner` in the named defence. `options` may hold the defence's own options and the
 * common ones: seed, eot (EOT samples), lambda (R-D choice), mode (0 = naive, 1 = adaptive).
 */
export function createDefence(name: string, inner: DifferentiableCodec, options: Record<string, number> = {}): DefendedCodec {
  const entry = defenceEntry(name);
  const own: Record<string, number> = { ...entry.defaults };
  const common: CommonOptions = {};
  for (const [k, v] of Object.entries(options)) {
    if (!Number.isFinite(v)) throw new ConfigError(`defence ${name}: option '${k}' must be a number (got ${v})`);
    if (k in entry.defaults) own[k] = v;
    else if (k === 'seed') common.seed = v;
    else if (k === 'eot') common.eotSamples = v;
    else if (k === 'lambda') common.lambda = v;
    else if (k === 'mode') common.gradientMode = v === 0 ? 'naive' : 'adaptive';
    else throw new ConfigError(`defence ${name}: unknown option '${k}' (known: ${[...Object.keys(entry.defaults), ...COMMON].join(', ')})`);
  }
  return entry.create(inner, own, common);
}
