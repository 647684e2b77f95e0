import type { Codec } from '../codec/types.js';
import type { RgbImage } from '../image/types.js';
import { codeVersion } from '../version.js';
import { codeAndMeasure, perturbationSize, type CodingEvaluation, type PerturbationSize } from './evaluate.js';
import { buildObjective, type GoalSpec } from './objectives.js';
import { attackEntry } from './registry.js';
import type { AttackCounts, AttackProgress, Budget } from './types.js';

/** One attack run, fully specified (the CLI and the experiment grid build these). */
export interface AttackSpec {
  /** Registry name: fgsm, ifgsm, pgd, mifgsm, cw, chen-ma, noise, square. */
  method: string;
  options?: Record<string, unknown>;
  goal: GoalSpec | GoalSpec[];
  /** Default: the attack's literature budget (L∞ 8/255 for most). */
  budget?: Budget;
  seed?: number;
  quant?: 'ste' | 'noise';
  /** The clean image's evaluation when already known for this codec (skips one real coding). */
  clean?: CodingEvaluation;
}

/** The honest record of one attack: pure data, JSON-serialisable. */
export interface AttackResult {
  codec: string;
  /** sha256 of the codec's weights when it has them (learned codecs), else null. */
  weightsHash: string | null;
  /** `git describe` of advlic (or the package version). */
  codeVersion: string;
  image: { width: number; height: number };
  attack: { name: string; kind: 'white-box' | 'black-box'; options: Record<string, unknown> };
  objective: string;
  goal: unknown;
  budget: Budget;
  seed: number;
  quant: 'ste' | 'noise';
  clean: CodingEvaluation;
  attacked: CodingEvaluation;
  /** (PSNR_clean − PSNR_attacked) / PSNR_clean, both vs the original; null if undefined. */
  psnrDropRel: number | null;
  /** bpp_attacked / bpp_clean, real bitstreams. */
  bppRatio: number;
  bppEstimatedRatio: number | null;
  perturbation: PerturbationSize;
  counts: AttackCounts;
  /** Attack wall time (the evaluation's own coding excluded). */
  attackMs: number;
  evaluationMs: number;
}

export interface AttackRun {
  result: AttackResult;
  /** The 8-bit adversarial image handed to the codec. */
  adversarial: RgbImage;
  /** Real decoded images (clean only when it was coded here, i.e. spec.clean was not given). */
  reconstructions: { attacked: RgbImage; clean?: RgbImage };
}

/**
 * Runs one attack and evaluates it honestly: the adversarial image (already on the 8-bit grid
 * and inside the budget) and the clean image are both REALLY compressed and decompressed, and
 * everything is measured against the original.
 */
export async function attackAndEvaluate(
  codec: Codec,
  image: RgbImage,
  spec: AttackSpec,
  onProgress?: (p: AttackProgress) => void,
): Promise<AttackRun> {
  const entry = attackEntry(spec.method);
  const attack = entry.create(spec.options ?? {});
  const objective = buildObjective(spec.goal);
  const budget = spec.budget ?? entry.defaultBudget;
  const seed = spec.seed ?? 0;
  const quant = spec.quant ?? 'ste';

  const out = await attack.run(codec, image, objective, budget, { seed, quant, ...(onProgress ? { onProgress } : {}) });
  const t0 = performance.now();
  const cleanRun = spec.clean ? undefined : await codeAndMeasure(codec, image, image);
  const clean = spec.clean ?? cleanRun!.evaluation;
  const attackedRun = await codeAndMeasure(codec, image, out.adversarial);
  const attacked = attackedRun.evaluation;
  const result: AttackResult = {
    codec: codec.id,
    weightsHash: (codec as { weightsHash?: string }).weightsHash ?? null,
    codeVersion: codeVersion(),
    image: { width: image.width, height: image.height },
    attack: { name: attack.name, kind: attack.kind, options: { ...attack.options } },
    objective: objective.name,
    goal: objective.spec,
    budget,
    seed,
    quant,
    clean,
    attacked,
    psnrDropRel: clean.psnr !== null && attacked.psnr !== null ? (clean.psnr - attacked.psnr) / clean.psnr : null,
    bppRatio: attacked.bppReal / clean.bppReal,
    bppEstimatedRatio:
      clean.bppEstimated !== null && attacked.bppEstimated !== null ? attacked.bppEstimated / clean.bppEstimated : null,
    perturbation: perturbationSize(image, out.adversarial),
    counts: out.counts,
    attackMs: out.wallMs,
    evaluationMs: performance.now() - t0,
  };
  return {
    result,
    adversarial: out.adversarial,
    reconstructions: { attacked: attackedRun.decoded, ...(cleanRun ? { clean: cleanRun.decoded } : {}) },
  };
}

/**
 * One attack at several budgets (Foolbox's epsilons; the budget axis of a grid): the clean
 * image is coded once and shared, each budget is a separate seeded run.
 */
export async function attackAndEvaluateBudgets(
  codec: Codec,
  image: RgbImage,
  spec: Omit<AttackSpec, 'budget'>,
  budgets: readonly Budget[],
  onProgress?: (budgetIndex: number, p: AttackProgress) => void,
): Promise<AttackRun[]> {
  const runs: AttackRun[] = [];
  let clean = spec.clean;
  for (let i = 0; i < budgets.length; i++) {
    const run = await attackAndEvaluate(codec, image, { ...spec, budget: budgets[i]!, ...(clean ? { clean } : {}) }, onProgress && ((p) => onProgress(i, p)));
    clean ??= run.result.clean;
    runs.push(run);
  }
  return runs;
}
