import { MAX_BAD_STEPS, type TrainSummary } from '../../train/trainer.js';
import { byKey, packCheckpointTensors, pick, restoreOptimizers } from '../../train/checkpoint-tensors.js';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tf } from '../../engine/index.js';
import { CheckpointError, ConfigError } from '../../errors.js';
import { LearnedCodec } from '../../codec/learned-codec.js';
import type { RgbImage } from '../../image/types.js';
import { createModel, inferConfigFromStateDict, lambdaForQuality } from '../../models/registry.js';
import type { LearnedModel } from '../../models/types.js';
import { loadWeightsFile } from '../../models/weights/load.js';
import type { StateDict } from '../../models/weights/types.js';
import { codeVersion } from '../../version.js';
import { Adam } from '../../train/adam.js';
import { readCheckpointFile, writeCheckpointFile } from '../../train/checkpoint-file.js';
import { clipScale } from '../../train/clip-grads.js';
import { sampleBatch } from '../../train/crop-sampler.js';
import { loadImageFolder, type CachedImage } from '../../train/image-folder.js';
import { MetricsLog } from '../../train/metrics-log.js';
import { silentProgress, type TrainProgress } from '../../train/progress.js';
import { rdLoss } from '../../train/rd-loss.js';
import { Rng, type RngState } from '../../train/rng.js';
import { StepNoise } from '../../train/step-noise.js';
import { loadValidationImages, validate, type ValidationResult } from '../../train/validate.js';
import { baseWeightsPath } from './base-weights.js';
import { batchPgd, goalSpec } from './batch-pgd.js';
import { ADV_TRAIN_DEFAULTS, epsilonAt, parseAdvTrainConfig, type AdvTrainConfig } from './config.js';
import { writeDefendedWeights } from './write-defended-weights.js';
import { RobustSelector, type SelectionPoint, type SelectionState } from './robust-selection.js';
import { resumedCommand } from '../../train/resume-command.js';
import { WeightAverage } from '../../train/weight-average.js';

interface AdvCheckpointState {
  kind: 'advlic-advtrain-checkpoint';
  version: 1;
  config: AdvTrainConfig;
  step: number;
  rng: RngState;
  adamStep: number;
  auxAdamStep: number;
  elapsed: number;
  codeVersion: string;
  /** Robustness-selection history and best step (its weights under `best/`); absent when off. */
  selection?: SelectionState;
}

// Checkpoint tensor group beside the trainer's: the selected weights (the weight average keeps its own).
const BEST_PREFIX = 'best/';

export type AdvTrainRequest = Partial<AdvTrainConfig> & Pick<AdvTrainConfig, 'model' | 'out'> & { quality?: number; lambda?: number };

/** The same summary as a plain training run, plus the step whose weights were written. */
export type AdvTrainSummary = TrainSummary & { selectedStep: number; selection?: SelectionPoint[] };

export const ADV_CHECKPOINT_NAME = 'advtrain.ckpt';

/**
 * Adversarial fine-tuning, composed from src/train's pieces (crop sampler, step noise, RD
 * loss, Adam, clipping, checkpoint container, metrics log, validation) — its Trainer has no
 * per-batch input hook, so this loop is its own: per step, PGD examples are regenerated
 * against the current weights (in 'noise' or 'ste' mode), mixed with clean crops, and the RD
 * loss of the mix (distortion vs the ORIGINAL crops) is minimised. Everything random derives
 * from cfg.seed and the step, so a resumed run repeats an uninterrupted one.
 */
export class AdvTrainer {
  private trainTime = 0;
  private stepsThisProcess = 0;
  private readonly mainVars: Array<[string, tf.Variable]>;
  private readonly auxVars: Array<[string, tf.Variable]>;
  private readonly codec: LearnedCodec;

  private constructor(
    readonly cfg: AdvTrainConfig,
    readonly model: LearnedModel,
    private readonly images: CachedImage[],
    private readonly valImages: RgbImage[],
    private readonly adam: Adam,
    private readonly auxAdam: Adam,
    private rng: Rng,
    private readonly noise: StepNoise,
    private readonly log: MetricsLog,
    private readonly progress: TrainProgress,
    public step: number,
    private readonly elapsedBefore: number,
    private readonly selector: RobustSelector | undefined,
    private readonly average: WeightAverage | undefined,
  ) {
    this.mainVars = [...model.parameters()];
    this.auxVars = [...model.auxParameters()];
    this.codec = new LearnedCodec(model, { weightsHash: cfg.baseWeightsSha256, quality: cfg.quality });
  }

  get checkpointPath(): string {
    return join(this.cfg.out, ADV_CHECKPOINT_NAME);
  }

  /** A new run from the base weights; quality and λ default to the base manifest's. */
  static async create(req: AdvTrainRequest, opts: { progress?: TrainProgress } = {}): Promise<AdvTrainer> {
    const baseWeights = baseWeightsPath(req.model);
    const w = await loadWeightsFile(baseWeights);
    const quality = req.quality ?? w.manifest?.quality;
    if (quality === undefined) throw new ConfigError(`${req.model} has no manifest quality: pass --quality`);
    const cfg = parseAdvTrainConfig({
      ...ADV_TRAIN_DEFAULTS,
      command: '',
      ...req,
      baseWeights,
      baseWeightsSha256: w.sha256,
      quality,
      lambda: req.lambda ?? w.manifest?.lambda ?? lambdaForQuality(quality),
    });
    return AdvTrainer.build(cfg, opts.progress ?? silentProgress, { base: w.stateDict });
  }

  /** Continues a run; it writes to `opts.out` if given, else beside the checkpoint (see Trainer.resume). */
  static async resume(checkpointPath: string, opts: { steps?: number; out?: string; progress?: TrainProgress; command?: string } = {}): Promise<AdvTrainer> {
    const ckpt = await readCheckpointFile<AdvCheckpointState>(checkpointPath);
    if (ckpt.state?.kind !== 'advlic-advtrain-checkpoint' || ckpt.state.version !== 1) {
      throw new CheckpointError(`${checkpointPath} is not a version-1 advlic adversarial-training checkpoint`);
    }
    const command = resumedCommand(ckpt.state.config.command, ckpt.state.step, opts.command);
    const cfg = parseAdvTrainConfig({ ...ckpt.state.config, command, out: opts.out ?? dirname(checkpointPath), ...(opts.steps ? { steps: opts.steps } : {}) });
    return AdvTrainer.build(cfg, opts.progress ?? silentProgress, { resume: { state: ckpt.state, tensors: ckpt.tensors } });
  }

  private static async build(
    cfg: AdvTrainConfig,
    progress: TrainProgress,
    from: { base?: StateDict; resume?: { state: AdvCheckpointState; tensors: StateDict } },
  ): Promise<AdvTrainer> {
    // Refused before any step is spent: the manifest of the written weights needs their numbers.
    if (cfg.valCount === 0) throw new ConfigError('--val-count is 0: the written weights need at least one validation image for their manifest');
    await mkdir(cfg.out, { recursive: true });
    const { images } = await loadImageFolder(cfg.data, { minSide: cfg.crop, limit: cfg.dataLimit });
    const valImages = await loadValidationImages(cfg.valData, cfg.valCount, cfg.valCrop);
    const sd = from.resume ? pick(from.resume.tensors, 'model/') : from.base!;
    const model = createModel(inferConfigFromStateDict(sd));
    let selector: RobustSelector | undefined;
    let average: WeightAverage | undefined;
    try {
      model.loadStateDict(sd);
      const noise = new StepNoise(cfg.seed);
      model.noise = noise;
      const adam = new Adam(model.parameters(), { lr: cfg.lr });
      const auxAdam = new Adam(model.auxParameters(), { lr: cfg.auxLr });
      let rng = Rng.fromSeed(cfg.seed, 0xad7);
      const r = from.resume;
      if (r) {
        restoreOptimizers({ adam, auxAdam }, r.tensors, r.state);
        rng = Rng.fromState(r.state.rng);
      }
      if (cfg.selectEvery > 0) {
        const crops = await loadValidationImages(cfg.selectData, cfg.selectCount, cfg.selectCrop, { what: 'robustness-selection image', flag: '--select-data' });
        const settings = { every: cfg.selectEvery, goal: cfg.goal, lambda: cfg.lambda, eps: cfg.eps, attackSteps: cfg.selectSteps, seed: cfg.seed + 0x5e1 };
        const best = r?.state.selection ? pick(r.tensors, BEST_PREFIX) : undefined;
        selector = RobustSelector.fromImages(settings, crops, model.alignment, cfg.out, r?.state.selection, best?.size ? best : undefined);
      }
      if (cfg.ema > 0) average = WeightAverage.fromCheckpoint(model.parameters(), cfg.ema, r?.tensors);
      const log = await MetricsLog.open(join(cfg.out, 'metrics.csv'), r?.state.step);
      return new AdvTrainer(cfg, model, images, valImages, adam, auxAdam, rng, noise, log, progress, r?.state.step ?? 0, r?.state.elapsed ?? 0, selector, average);
    } catch (err) {
      average?.dispose();
      selector?.dispose();
      model.dispose();
      throw err;
    }
  }

  private skippedInARow = 0;

  /** One step: PGD on the first ⌈mix·batch⌉ crops against the current weights, then RD loss on the mix. */
  trainStep(): { loss: number; bpp: number; mse: number; norm: number; eps: number } {
    const { cfg, model } = this;
    const t0 = performance.now();
    this.noise.beginStep(this.step);
    const x = tf.tensor4d(sampleBatch(this.images, this.rng, { batch: cfg.batch, crop: cfg.crop, flip: true }), [cfg.batch, cfg.crop, cfg.crop, 3]);
    const nAdv = Math.round(cfg.mix * cfg.batch);
    const eps = epsilonAt(cfg, this.step);
    let input = x;
    if (nAdv > 0) {
      const xs = tf.slice(x, 0, nAdv);
      const adv = batchPgd(this.codec, xs, { goal: goalSpec(cfg.goal, cfg.lambda), eps, steps: cfg.attackSteps, quant: cfg.attackQuant, seed: (cfg.seed * 7919 + this.step) >>> 0 });
      input = tf.concat([adv, tf.slice(x, nAdv)], 0);
      tf.dispose([xs, adv]);
    }
    let terms: number[] = [];
    const main = tf.variableGrads(() => {
      const t = rdLoss(model.forward(input, cfg.quantizer), x, cfg.lambda, 'mse');
      terms = [t.bpp.dataSync()[0]!, t.mse.dataSync()[0]!];
      return t.loss;
    }, this.mainVars.map(([, v]) => v));
    if (input !== x) input.dispose();
    x.dispose();
    const loss = main.value.dataSync()[0]!;
    const grads = byKey(this.mainVars, main.grads);
    const { scale, norm } = clipScale(grads, cfg.clip);
    if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
      // An adversarial batch can push a likelihood to underflow; skip that update (as the
      // trainer does) rather than let one batch poison the weights. Many in a row: diverged.
      tf.dispose([main.value, ...Object.values(main.grads)]);
      this.skippedInARow++;
      if (this.skippedInARow >= MAX_BAD_STEPS)
        throw new ConfigError(`adversarial training diverged at step ${this.step} (non-finite loss or gradient for ${this.skippedInARow} batches in a row); lower --lr`);
      process.stderr.write(`adv-train: step ${this.step}: non-finite loss or gradient (loss ${loss}, |g| ${norm}), update skipped\n`);
      return { loss, bpp: terms[0] ?? NaN, mse: terms[1] ?? NaN, norm: NaN, eps };
    }
    this.skippedInARow = 0;
    this.adam.apply(grads, scale);
    this.average?.update();
    tf.dispose(Object.values(main.grads));
    const aux = tf.variableGrads(() => model.auxLoss(), this.auxVars.map(([, v]) => v));
    this.auxAdam.apply(byKey(this.auxVars, aux.grads));
    tf.dispose([aux.value, ...Object.values(aux.grads)]);
    main.value.dispose();
    this.step++;
    this.trainTime += performance.now() - t0;
    this.stepsThisProcess++;
    const [bpp, mse] = terms as [number, number];
    this.log.add({ step: this.step, lr: cfg.lr, loss, bpp, mse, psnr: -10 * Math.log10(mse), aux: NaN, gradNorm: norm, elapsed: this.elapsedBefore + this.trainTime / 1000 });
    return { loss, bpp, mse, norm, eps };
  }

  async run(): Promise<AdvTrainSummary> {
    const { cfg } = this;
    this.progress.start(cfg.steps, this.step);
    try {
      await this.observeRobustness();
      while (this.step < cfg.steps) {
        const r = this.trainStep();
        if (this.step % cfg.logEvery === 0) this.progress.update(this.step, { loss: r.loss, bpp: r.bpp, psnr: -10 * Math.log10(r.mse) });
        await this.observeRobustness();
        if (this.step % cfg.ckptEvery === 0 || this.step === cfg.steps) await this.saveCheckpoint();
      }
    } finally {
      this.progress.stop();
    }
    // With selection, the most robust weights seen are the result (possibly not the last);
    // without, the last weights, or their average when averaging is on (what selection saw).
    const sel = this.selector;
    const selectedStep = sel ? sel.state.bestStep : this.step;
    if (sel?.bestWeights && selectedStep !== this.step) this.model.loadStateDict(sel.bestWeights);
    else this.average?.loadInto();
    const final = validate(this.model, this.valImages, cfg.lambda, 'mse');
    const { weightsPath, manifestPath } = await writeDefendedWeights(cfg, this.model, selectedStep, final, sel ? { trainedSteps: this.step, history: sel.state.history } : undefined);
    return {
      selectedStep,
      ...(sel ? { selection: sel.state.history } : {}),
      steps: this.step,
      stepsPerSecond: this.stepsThisProcess / Math.max(this.trainTime / 1000, 1e-9),
      final,
      weightsPath,
      manifestPath,
      checkpointPath: this.checkpointPath,
    };
  }

  /** Robustness validation when due (step 0 and every selectEvery steps; no-op when off). */
  private async observeRobustness(): Promise<void> {
    const sel = this.selector;
    if (!sel || !sel.due(this.step)) return;
    const observe = () => sel.observe(this.step, this.codec, () => this.model.stateDict());
    const p = this.average ? await this.average.withAveraged(observe) : await observe();
    process.stderr.write(`adv-train: step ${p.step}: attacked loss ${p.attacked.toFixed(4)} (clean ${p.clean.toFixed(4)}) on ${this.cfg.selectCount} held-out crops; most robust so far: step ${sel.state.bestStep}\n`);
  }

  async saveCheckpoint(): Promise<void> {
    await this.log.flush();
    const { tensors, adamStep, auxAdamStep } = packCheckpointTensors({ model: this.model, adam: this.adam, auxAdam: this.auxAdam });
    const best = this.selector?.bestWeights;
    if (best) for (const [k, t] of best) tensors.set(`${BEST_PREFIX}${k}`, t);
    this.average?.addToCheckpoint(tensors);
    const state: AdvCheckpointState = {
      kind: 'advlic-advtrain-checkpoint',
      version: 1,
      config: this.cfg,
      step: this.step,
      rng: this.rng.state(),
      adamStep,
      auxAdamStep,
      elapsed: this.elapsedBefore + this.trainTime / 1000,
      codeVersion: codeVersion(),
      ...(this.selector ? { selection: this.selector.state } : {}),
    };
    await writeCheckpointFile(this.checkpointPath, { state, tensors });
  }

  /** The model as a differentiable codec (shares the weights; do not dispose it separately). */
  asCodec(): LearnedCodec {
    return this.codec;
  }

  dispose(): void {
    this.average?.dispose();
    this.selector?.dispose();
    this.adam.dispose();
    this.auxAdam.dispose();
    this.model.dispose();
  }
}
