import { ConfigError } from '../../errors.js';
import { isDifferentiable, type Codec, type DifferentiableCodec } from '../../codec/types.js';
import { resolveCodec } from '../../codec/resolve.js';
import type { RgbImage } from '../../image/types.js';
import { bdRate, pointRateDelta, type RdPoint } from '../../metrics/bd.js';
import { lambdaForQuality } from '../../models/registry.js';
import { attackAndEvaluate } from '../../attacks/attack-and-evaluate.js';
import { evaluateCoding, type CodingEvaluation } from '../../attacks/evaluate.js';
import type { GoalSpec } from '../../attacks/objectives.js';
import { defenceEntry } from '../registry.js';
import { createDefence } from '../registry.js';
import { parseDefenceSpec } from '../resolve.js';
import type { GradientMode } from '../types.js';

export interface DefenceEvalOptions {
  /** The attacked model (shipped name or weights file). */
  model: string;
  /** Input-transform defence specs, e.g. ["blur:sigma=1", "jpeg:quality=50"]. */
  defences: string[];
  /** Other weights of the same codec to compare (e.g. adversarially trained: "bmshj2018-hyperprior@3:advtrain"). */
  weights?: string[];
  /** Models of the same architecture at several qualities (≥ 2) for the clean BD-rate of each transform defence. */
  bdModels?: string[];
  images: RgbImage[];
  /** Quality label for weights files without a manifest (sets λ). */
  quality?: number;
  eps: number;
  steps: number;
  /** Attack goal; default 'rd' with the model's λ (the attacked R-D cost itself). */
  goal?: 'rd' | 'distortion' | 'rate';
  modes?: GradientMode[];
  seed?: number;
  /** EOT samples for random defences (adaptive mode). */
  eot?: number;
  onProgress?: (message: string) => void;
  /**
   * Called with the report so far after every finished row (the undefended row first), so a
   * caller can write it: a long evaluation that fails later keeps what it measured.
   */
  onRow?: (partial: DefenceReport) => Promise<void> | void;
}

export interface Measured {
  bpp: number;
  psnr: number;
  /** bpp + λ·255²·MSE (real bytes; MSE of the 8-bit decoded image vs the original). */
  rdCost: number;
}

/** One line of the defence report (means over the images). */
export interface DefenceRow {
  defence: string;
  codec: string;
  /** 'naive' | 'adaptive' for transforms; '-' for the undefended model and other weights (no transform to see through). */
  mode: GradientMode | '-';
  /** How the adaptive attacker differentiates the defence. */
  gradient: string;
  images: number;
  clean: Measured;
  attacked: Measured;
  /** (PSNR_clean − PSNR_attacked) / PSNR_clean, this codec's own clean PSNR. */
  relPsnrDrop: number;
  /** bpp_attacked / bpp_clean (real bytes). */
  bppRatio: number;
  /** Clean R-D cost vs the undefended model, % (positive: the defence costs). */
  cleanRdCostChangePct: number;
  /** Clean BD-rate vs the undefended model over the bd models, % (null without ≥ 2 qualities). */
  cleanBdRatePct: number | null;
  /** Attacked R-D cost cut vs the undefended model under attack, % (positive: the defence helps). */
  attackedRdCostCutPct: number;
  /** What the attack adds to the cost: mean J_attacked − mean J_clean of this row. */
  attackDeltaRdCost: number;
  /**
   * Share of the undefended model's attack damage that this row removes, %:
   * 1 − ΔJ(row)/ΔJ(undefended). Unlike the attacked-J cut, it is not bounded by the clean cost's
   * share of the attacked cost (100: the attack no longer adds anything; negative: it adds more).
   */
  attackDeltaCutPct: number;
  /** Per-image clean and attacked measurements, in image order (the means above average them). */
  perImage: Array<{ clean: Measured; attacked: Measured }>;
  attackMs: number;
}

export interface DefenceReport {
  model: string;
  lambda: number;
  attack: { method: 'pgd'; eps: number; steps: number; goal: GoalSpec; seed: number };
  /** Image count and size (after the crop). */
  images: { count: number; width: number; height: number };
  rows: DefenceRow[];
  /** False in the partial reports given to onRow before the last row. */
  complete: boolean;
}

const mseOf = (psnr: number | null) => (psnr === null ? 0 : Math.pow(10, -psnr / 10));

function measured(e: CodingEvaluation, lambda: number): Measured {
  return { bpp: e.bppReal, psnr: e.psnr ?? Infinity, rdCost: e.bppReal + lambda * 255 * 255 * mseOf(e.psnr) };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function meanMeasured(ms: Measured[]): Measured {
  return { bpp: mean(ms.map((m) => m.bpp)), psnr: mean(ms.map((m) => m.psnr)), rdCost: mean(ms.map((m) => m.rdCost)) };
}

async function learned(spec: string, quality?: number): Promise<DifferentiableCodec> {
  const c: Codec = await resolveCodec(spec, quality !== undefined ? { quality } : {});
  if (!isDifferentiable(c)) {
    c.dispose?.();
    throw new ConfigError(`defence evaluation needs a learned codec; ${spec} is not differentiable`);
  }
  return c;
}

/**
 * The defence report: for the undefended model, each weights variant and each transform
 * defence (naive and adaptive), per image: real clean coding, a PGD-L∞ attack (goal: the R-D
 * cost by default) crafted with the mode's gradient, real coding of the 8-bit adversarial
 * image; then means, and the clean cost / attacked-cost cut against the undefended model.
 */
export async function evaluateDefences(o: DefenceEvalOptions): Promise<DefenceReport> {
  if (o.images.length === 0) throw new ConfigError('defence evaluation: no images');
  const modes = o.modes ?? ['naive', 'adaptive'];
  // Validate every defence spec before any work starts.
  for (const spec of o.defences) defenceEntry(parseDefenceSpec(spec).name);
  const seed = o.seed ?? 0;
  const base = await learned(o.model, o.quality);
  const quality = (base as { quality?: number }).quality ?? 0;
  const lambda = quality >= 1 && quality <= 8 ? lambdaForQuality(quality) : 0.013;
  const goalName = o.goal ?? 'rd';
  const goal: GoalSpec = goalName === 'rd' ? { goal: 'rd', lambda } : goalName === 'rate' ? { goal: 'rate' } : { goal: 'distortion', metric: 'mse' };
  const log = o.onProgress ?? (() => {});

  const runOne = async (codec: Codec, label: string) => {
    const cleans: Measured[] = [];
    const attackeds: Measured[] = [];
    const drops: number[] = [];
    const ratios: number[] = [];
    let attackMs = 0;
    for (const [i, img] of o.images.entries()) {
      const clean = await evaluateCoding(codec, img, img);
      const run = await attackAndEvaluate(codec, img, { method: 'pgd', options: { steps: o.steps }, goal, budget: { norm: 'linf', eps: o.eps }, seed: seed + i, clean });
      cleans.push(measured(clean, lambda));
      attackeds.push(measured(run.result.attacked, lambda));
      drops.push(run.result.psnrDropRel ?? 0);
      ratios.push(run.result.bppRatio);
      attackMs += run.result.attackMs;
      log(`${label}: image ${i + 1}/${o.images.length} clean J ${cleans.at(-1)!.rdCost.toFixed(4)} attacked J ${attackeds.at(-1)!.rdCost.toFixed(4)}`);
    }
    const perImage = cleans.map((clean, i) => ({ clean, attacked: attackeds[i]! }));
    return { clean: meanMeasured(cleans), attacked: meanMeasured(attackeds), relPsnrDrop: mean(drops), bppRatio: mean(ratios), perImage, attackMs };
  };

  const rows: DefenceRow[] = [];
  const report = (complete = false): DefenceReport => ({
    model: base.id,
    lambda,
    attack: { method: 'pgd', eps: o.eps, steps: o.steps, goal, seed },
    images: { count: o.images.length, width: o.images[0]!.width, height: o.images[0]!.height },
    rows: [...rows],
    complete,
  });
  const push = async (r: DefenceRow): Promise<void> => {
    rows.push(r);
    await o.onRow?.(report());
  };
  try {
    const undefended = await runOne(base, 'undefended');
    const undefendedDelta = undefended.attacked.rdCost - undefended.clean.rdCost;
    const row = (defence: string, codec: string, mode: DefenceRow['mode'], gradient: string, r: Awaited<ReturnType<typeof runOne>>, bd: number | null): DefenceRow => {
      const delta = r.attacked.rdCost - r.clean.rdCost;
      return {
        defence, codec, mode, gradient, images: o.images.length, ...r,
        cleanRdCostChangePct: (r.clean.rdCost / undefended.clean.rdCost - 1) * 100,
        cleanBdRatePct: bd,
        attackedRdCostCutPct: (1 - r.attacked.rdCost / undefended.attacked.rdCost) * 100,
        attackDeltaRdCost: delta,
        // An attack that did not raise the undefended cost leaves nothing to cut: NaN, shown as –.
        attackDeltaCutPct: undefendedDelta > 0 ? (1 - delta / undefendedDelta) * 100 : NaN,
      };
    };
    const bdAnchor = o.bdModels && o.bdModels.length >= 2 ? await cleanCurve(o.bdModels, o.images, undefined) : undefined;
    await push(row('none', base.id, '-', '-', undefended, bdAnchor ? 0 : null));

    for (const spec of o.weights ?? []) {
      const variant = await learned(spec);
      try {
        const r = await runOne(variant, spec);
        // One λ, so no curve of its own: its clean rate against the undefended curve at equal PSNR.
        const bd = bdAnchor ? safeBd(() => pointRateDelta(bdAnchor, { bpp: r.clean.bpp, psnr: r.clean.psnr }), log) : null;
        await push(row(`weights:${spec}`, variant.id, '-', 'exact', r, bd));
      } finally {
        variant.dispose?.();
      }
    }

    for (const spec of o.defences) {
      const { name, options } = parseDefenceSpec(spec);
      const entry = defenceEntry(name);
      const own = { ...options, ...(o.eot !== undefined && entry.gradient !== 'exact' && entry.gradient !== 'bpda' ? { eot: o.eot } : {}) };
      // Selection defences choose with the attacked model's λ (each BD model uses its own quality's λ).
      const opts = { ...own, ...(entry.gradient === 'selection' && options.lambda === undefined ? { lambda } : {}) };
      const curve = bdAnchor ? await cleanCurve(o.bdModels!, o.images, { name, options: own }) : undefined;
      const bd = bdAnchor && curve ? safeBd(() => bdRate(bdAnchor, curve), log) : null;
      for (const mode of modes) {
        // A fresh wrapper per mode: the same seeds for both modes' clean coding. The inner codec is shared.
        const d = createDefence(name, base, { ...opts, seed, mode: mode === 'naive' ? 0 : 1 });
        await push(row(spec, d.id, mode, entry.gradient, await runOne(d, `${spec} ${mode}`), bd));
      }
    }
  } finally {
    base.dispose?.();
  }
  return report(true);
}

/** Mean clean (bpp, PSNR) per model of the BD set, optionally behind a defence. */
async function cleanCurve(models: string[], images: RgbImage[], defence: { name: string; options: Record<string, number> } | undefined): Promise<RdPoint[]> {
  const points: RdPoint[] = [];
  for (const m of models) {
    const inner = await learned(m);
    const q = (inner as { quality?: number }).quality ?? 0;
    const needsLambda = defence && defenceEntry(defence.name).gradient === 'selection' && defence.options.lambda === undefined;
    const extra: Record<string, number> = needsLambda ? { lambda: q >= 1 && q <= 8 ? lambdaForQuality(q) : 0.013 } : {};
    const codec = defence ? createDefence(defence.name, inner, { ...defence.options, ...extra }) : inner;
    try {
      const evals = [];
      for (const img of images) evals.push(await evaluateCoding(codec, img, img));
      points.push({ bpp: mean(evals.map((e) => e.bppReal)), psnr: mean(evals.map((e) => e.psnr ?? 100)) });
    } finally {
      codec.dispose?.();
    }
  }
  return points;
}

/** A BD metric, or null (logged) when it is not defined (curves that do not overlap in PSNR). */
function safeBd(compute: () => number, log: (m: string) => void): number | null {
  try {
    return compute();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    log(`BD-rate not defined: ${e.message}`);
    return null;
  }
}
