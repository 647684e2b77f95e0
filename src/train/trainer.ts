import { byKey, packCheckpointTensors, pick, restoreOptimizers } from './checkpoint-tensors.js';
import { loadMatchingTensors } from './partial-init.js';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tf } from '../engine/index.js';
import { CheckpointError, ConfigError } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import type { LearnedModel } from '../models/types.js';
import { loadWeightsFile } from '../models/weights/load.js';
import type { StateDict } from '../models/weights/types.js';
import { codeVersion } from '../version.js';
import { Adam, type AdamState } from './adam.js';
import { readCheckpointFile, writeCheckpointFile } from './checkpoint-file.js';
import { clipScale } from './clip-grads.js';
import { sampleBatch } from './crop-sampler.js';
import { loadImageFolder, type CachedImage } from './image-folder.js';
import { renderLossCurve } from './loss-curve.js';
import { LrSchedule, parseSchedule, type ScheduleState } from './lr-schedule.js';
import { MetricsLog, type MetricsRow } from './metrics-log.js';
import { buildTrainModel } from './model-factory.js';
import { silentProgress, type TrainProgress } from './progress.js';
import { rdLoss } from './rd-loss.js';
import { Rng, type RngState } from './rng.js';
import { StepNoise } from './step-noise.js';
import { parseTrainConfig, type TrainConfig } from './train-config.js';
import { loadValidationImages, validate, type ValidationResult } from './validate.js';
import { writeTrainedWeights } from './write-weights.js';
import { resumedCommand } from './resume-command.js';
import { WeightAverage } from './weight-average.js';

/** What a checkpoint stores besides tensors. */
interface CheckpointState {
  kind: 'advlic-train-checkpoint';
  version: 1;
  config: TrainConfig;
  step: number;
  rng: RngState;
  schedule: ScheduleState;
  adamStep: number;
  auxAdamStep: number;
  elapsed: number;
  dataFingerprint: string;
  codeVersion: string;
}

/** Per-step loss scalars, kept as tensors and read in one batch at the next log point. */
interface PendingStep {
  step: number;
  lr: number;
  loss: tf.Scalar;
  bpp: tf.Scalar;
  mse: tf.Scalar;
  msssim?: tf.Scalar;
  aux: tf.Scalar;
  /** Global gradient norm before clipping. */
  norm: number;
}

export interface TrainSummary {
  steps: number;
  /** Optimisation steps per second in this process (validation and checkpoints excluded). */
  stepsPerSecond: number;
  final: ValidationResult;
  weightsPath: string;
  manifestPath: string;
  checkpointPath: string;
}

export const CHECKPOINT_NAME = 'checkpoint.ckpt';

/** Consecutive non-finite-gradient steps tolerated (each skipped) before the run stops; the adversarial trainer uses the same bound. */
export const MAX_BAD_STEPS = 20;

/**
 * The training loop: RD loss with noise quantization, Adam on the network, a separate Adam on
 * the entropy-bottleneck quantiles (aux loss), global-norm clipping, an LR schedule, periodic
 * validation with real bitstreams, atomic checkpoints and, at the end, shipped weights.
 * Everything random derives from cfg.seed, and the checkpoint holds all state, so a resumed
 * run reproduces an uninterrupted one step for step.
 */
export class Trainer {
  private pending: PendingStep[] = [];
  /** Consecutive steps skipped for non-finite gradients. */
  private badSteps = 0;
  private trainTime = 0;
  private stepsThisProcess = 0;
  private readonly mainVars: Array<[string, tf.Variable]>;
  private readonly auxVars: Array<[string, tf.Variable]>;

  private constructor(
    readonly cfg: TrainConfig,
    readonly model: LearnedModel,
    private readonly images: CachedImage[],
    private readonly valImages: RgbImage[],
    private readonly dataFingerprint: string,
    private readonly adam: Adam,
    private readonly auxAdam: Adam,
    private readonly schedule: LrSchedule,
    private rng: Rng,
    private readonly noise: StepNoise,
    private readonly log: MetricsLog,
    private readonly progress: TrainProgress,
    public step: number,
    private elapsedBefore: number,
    private readonly average: WeightAverage | undefined,
  ) {
    this.mainVars = [...model.parameters()];
    this.auxVars = [...model.auxParameters()];
  }

  get checkpointPath(): string {
    return join(this.cfg.out, CHECKPOINT_NAME);
  }

  /** A new run (random init, or `cfg.init` weights to fine-tune from). */
  static async create(config: TrainConfig, opts: { progress?: TrainProgress } = {}): Promise<Trainer> {
    const cfg = parseTrainConfig(config);
    return Trainer.build(cfg, opts.progress ?? silentProgress, undefined);
  }

  /**
   * Continues the run saved in `checkpointPath`; `steps` may extend the total step count. The
   * run writes to `opts.out` if given, else beside the
   * checkpoint — never to the directory recorded inside it, so a copied or moved run directory
   * continues where it now is instead of writing into the original.
   */
  static async resume(checkpointPath: string, opts: { steps?: number; out?: string; progress?: TrainProgress; command?: string } = {}): Promise<Trainer> {
    const ckpt = await readCheckpointFile<CheckpointState>(checkpointPath);
    if (ckpt.state?.kind !== 'advlic-train-checkpoint' || ckpt.state.version !== 1) {
      throw new CheckpointError(`${checkpointPath} is not a version-1 advlic training checkpoint`);
    }
    const command = resumedCommand(ckpt.state.config.command, ckpt.state.step, opts.command);
    const cfg = parseTrainConfig({ ...ckpt.state.config, command, out: opts.out ?? dirname(checkpointPath), ...(opts.steps ? { steps: opts.steps } : {}) });
    return Trainer.build(cfg, opts.progress ?? silentProgress, { state: ckpt.state, tensors: ckpt.tensors });
  }

  private static async build(
    cfg: TrainConfig,
    progress: TrainProgress,
    resume: { state: CheckpointState; tensors: StateDict } | undefined,
  ): Promise<Trainer> {
    if (cfg.metric === 'ms-ssim' && (cfg.crop <= 160 || (cfg.valCrop > 0 && cfg.valCrop <= 160))) {
      throw new ConfigError(`--metric ms-ssim needs --crop and --val-crop above 160 px (MS-SSIM's 5 scales), got ${cfg.crop} / ${cfg.valCrop}`);
    }
    if (cfg.valCount === 0 && cfg.finalValCount === 0) {
      throw new ConfigError('--val-count and --final-val-count are both 0: the final weights need validation images for their manifest');
    }
    await mkdir(cfg.out, { recursive: true });
    const { images } = await loadImageFolder(cfg.data, { minSide: cfg.crop, limit: cfg.dataLimit });
    const dataFingerprint = fingerprint(images);
    if (resume && resume.state.dataFingerprint !== dataFingerprint) {
      throw new ConfigError(`training images under ${cfg.data} changed since the checkpoint was written; a resumed run would not match`);
    }
    const valImages = await loadValidationImages(cfg.valData, cfg.valCount, cfg.valCrop);
    const noise = new StepNoise(cfg.seed);
    const model = buildTrainModel(cfg, noise);
    let average: WeightAverage | undefined;
    try {
      if (cfg.crop % model.alignment !== 0) {
        throw new ConfigError(`--crop ${cfg.crop} must be a multiple of ${model.alignment} for ${cfg.arch} (its total downsampling)`);
      }
      if (resume) {
        model.loadStateDict(pick(resume.tensors, 'model/'));
      } else if (cfg.init && cfg.initPartial) {
        const r = loadMatchingTensors(model, (await loadWeightsFile(cfg.init)).stateDict);
        process.stderr.write(`init: ${r.loaded}/${r.total} tensors from ${cfg.init} (the rest keep their fresh init)\n`);
      } else if (cfg.init) {
        model.loadStateDict((await loadWeightsFile(cfg.init)).stateDict);
      }
      const adam = new Adam(model.parameters(), { lr: cfg.lr });
      const auxAdam = new Adam(model.auxParameters(), { lr: cfg.auxLr });
      const schedule = new LrSchedule(parseSchedule(cfg.schedule, cfg.lr), cfg.lr, resume?.state.schedule);
      let rng = Rng.fromSeed(cfg.seed, 0x7c0f);
      if (resume) {
        restoreOptimizers({ adam, auxAdam }, resume.tensors, resume.state);
        rng = Rng.fromState(resume.state.rng);
      }
      // The average starts at the weights the run starts from (init or random), or the checkpoint's.
      if (cfg.ema > 0) average = WeightAverage.fromCheckpoint(model.parameters(), cfg.ema, resume?.tensors);
      const log = await MetricsLog.open(join(cfg.out, 'metrics.csv'), resume?.state.step);
      return new Trainer(cfg, model, images, valImages, dataFingerprint, adam, auxAdam, schedule, rng, noise, log, progress,
        resume?.state.step ?? 0, resume?.state.elapsed ?? 0, average);
    } catch (err) {
      average?.dispose();
      model.dispose();
      throw err;
    }
  }

  /** One optimisation step (network + aux). Returns nothing: scalars stay pending on the device. */
  trainStep(): void {
    const { cfg, model } = this;
    const t0 = performance.now();
    const lr = this.schedule.lr;
    this.noise.beginStep(this.step);
    const batch = sampleBatch(this.images, this.rng, { batch: cfg.batch, crop: cfg.crop, flip: cfg.flip });
    const x = tf.tensor4d(batch, [cfg.batch, cfg.crop, cfg.crop, 3]);
    let kept: { bpp: tf.Scalar; mse: tf.Scalar; msssim?: tf.Scalar } | undefined;
    const main = tf.variableGrads(() => {
      const terms = rdLoss(model.forward(x, cfg.quantizer), x, cfg.lambda, cfg.metric);
      kept = { bpp: tf.keep(terms.bpp), mse: tf.keep(terms.mse), ...(terms.msSsim ? { msssim: tf.keep(terms.msSsim) } : {}) };
      return terms.loss;
    }, this.mainVars.map(([, v]) => v));
    const grads = byKey(this.mainVars, main.grads);
    const { scale, norm } = clipScale(grads, cfg.clip);
    // A non-finite gradient would poison every weight and both Adam moments: skip the update
    // (as mixed-precision trainers do) and give up only if it keeps happening.
    if (Number.isFinite(norm)) {
      this.adam.lr = lr;
      this.adam.apply(grads, scale);
      this.average?.update();
      this.badSteps = 0;
    } else if (++this.badSteps >= MAX_BAD_STEPS) {
      tf.dispose([x, main.value, ...Object.values(main.grads), ...Object.values(kept ?? {})]);
      throw new ConfigError(`gradients were not finite for ${MAX_BAD_STEPS} steps in a row (step ${this.step + 1}); lower --lr or --lambda, or start from --init weights`);
    }
    tf.dispose(Object.values(main.grads));

    x.dispose();
    const aux = tf.variableGrads(() => model.auxLoss(), this.auxVars.map(([, v]) => v));
    this.auxAdam.apply(byKey(this.auxVars, aux.grads));
    tf.dispose(Object.values(aux.grads));

    this.step++;
    this.schedule.afterStep(this.step);
    this.pending.push({ step: this.step, lr, loss: main.value, aux: aux.value, norm, ...kept! });
    this.trainTime += performance.now() - t0;
    this.stepsThisProcess++;
  }

  /** Runs until cfg.steps, then evaluates and writes the shipped weights. */
  async run(): Promise<TrainSummary> {
    const { cfg } = this;
    this.progress.start(cfg.steps, this.step);
    try {
      while (this.step < cfg.steps) {
        this.trainStep();
        const s = this.step;
        const isVal = cfg.valCount > 0 && s % cfg.valEvery === 0;
        const isCkpt = s % cfg.ckptEvery === 0 || s === cfg.steps;
        const isLog = s % cfg.logEvery === 0 || isVal || isCkpt;
        if (isLog) await this.sync();
        if (isVal) {
          // With averaging, the average is what is validated (and what the run will ship).
          const check = () => validate(this.model, this.valImages, cfg.lambda, cfg.metric);
          const v = this.average ? await this.average.withAveraged(check) : check();
          if (this.schedule.afterValidation(v.loss)) this.progress.log(`step ${s}: validation loss plateaued, lr → ${this.schedule.lr}`);
          this.log.addValidation(s, { valLoss: v.loss, valPsnr: v.psnr, valBppReal: v.bppReal, valBppEst: v.bppEst, valMsssim: v.msssim });
          this.progress.log(`step ${s}: val PSNR ${v.psnr.toFixed(2)} dB, bpp ${v.bppReal.toFixed(4)} real / ${v.bppEst.toFixed(4)} est`);
        }
        if (isLog) await this.log.flush();
        if (isCkpt) await this.saveCheckpoint();
      }
    } finally {
      this.progress.stop();
    }
    // The manifest's numbers are on full images unless finalValCount is 0 (reuse the validation set).
    const finalImages = cfg.finalValCount > 0 && (cfg.finalValCount !== cfg.valCount || cfg.valCrop > 0)
      ? await loadValidationImages(cfg.valData, cfg.finalValCount, 0)
      : this.valImages;
    this.average?.loadInto();
    const final = validate(this.model, finalImages, cfg.lambda, cfg.metric);
    const { weightsPath, manifestPath } = await writeTrainedWeights(cfg, this.model.stateDict(), this.step, final);
    await this.writeCurve();
    return {
      steps: this.step,
      stepsPerSecond: this.stepsThisProcess / Math.max(this.trainTime / 1000, 1e-9),
      final,
      weightsPath,
      manifestPath,
      checkpointPath: this.checkpointPath,
    };
  }

  /** Reads the pending scalars (one host sync for many steps), logs them, checks for divergence. */
  async sync(): Promise<MetricsRow | undefined> {
    const list = this.pending;
    this.pending = [];
    let last: MetricsRow | undefined;
    const elapsed = this.elapsedBefore + this.trainTime / 1000;
    for (const p of list) {
      const read = async (t: tf.Scalar | undefined) => (t ? ((await t.data())[0] as number) : undefined);
      const mse = (await read(p.mse))!;
      const msssim = await read(p.msssim);
      last = {
        step: p.step,
        lr: p.lr,
        loss: (await read(p.loss))!,
        bpp: (await read(p.bpp))!,
        mse,
        psnr: -10 * Math.log10(mse),
        ...(msssim !== undefined ? { msssim } : {}),
        aux: (await read(p.aux))!,
        gradNorm: p.norm,
        elapsed,
      };
      tf.dispose([p.loss, p.bpp, p.mse, p.aux, ...(p.msssim ? [p.msssim] : [])]);
      this.log.add(last);
      if (!Number.isFinite(last.loss)) {
        throw new ConfigError(`training diverged at step ${p.step} (loss ${last.loss}); lower --lr or resume from the last checkpoint`);
      }
    }
    if (last) this.progress.update(this.step, last);
    return last;
  }

  /** Writes the checkpoint atomically (and refreshes the metrics file and loss curve). */
  async saveCheckpoint(): Promise<void> {
    await this.sync();
    await this.log.flush();
    const { tensors, adamStep, auxAdamStep } = packCheckpointTensors({ model: this.model, adam: this.adam, auxAdam: this.auxAdam });
    this.average?.addToCheckpoint(tensors);
    const state: CheckpointState = {
      kind: 'advlic-train-checkpoint',
      version: 1,
      config: this.cfg,
      step: this.step,
      rng: this.rng.state(),
      schedule: this.schedule.state(),
      adamStep,
      auxAdamStep,
      elapsed: this.elapsedBefore + this.trainTime / 1000,
      dataFingerprint: this.dataFingerprint,
      codeVersion: codeVersion(),
    };
    await writeCheckpointFile(this.checkpointPath, { state, tensors });
    await this.writeCurve();
  }

  private async writeCurve(): Promise<void> {
    const svg = await renderLossCurve(this.log.rows(), `${this.cfg.arch} N=${this.cfg.N} M=${this.cfg.M} λ=${this.cfg.lambda} (${this.cfg.metric})`);
    await writeFile(join(this.cfg.out, 'loss.svg'), svg);
  }

  /** Both optimizers' state (step counters and moments), e.g. to check a resume. */
  optimizerState(): { main: AdamState; aux: AdamState } {
    return { main: this.adam.exportState(), aux: this.auxAdam.exportState() };
  }

  /** Frees the model and optimizer tensors (pending scalars included). */
  dispose(): void {
    for (const p of this.pending) tf.dispose([p.loss, p.bpp, p.mse, p.aux, ...(p.msssim ? [p.msssim] : [])]);
    this.pending = [];
    this.average?.dispose();
    this.adam.dispose();
    this.auxAdam.dispose();
    this.model.dispose();
  }
}

/** Identifies the training set (names and sizes, in order): a resumed run must see the same images. */
function fingerprint(images: readonly CachedImage[]): string {
  const h = createHash('sha256');
  for (const img of images) h.update(`${img.name}:${img.width}x${img.height};`);
  return h.digest('hex').slice(0, 16);
}
