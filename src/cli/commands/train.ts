import { isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { invocation } from '../invocation.js';
import type { CliContext } from '../context.js';
import { initEngine } from '../../engine/index.js';
import { UsageError } from '../../errors.js';
import { configForQuality, isArchName } from '../../models/registry.js';
import { progressBar, silentProgress } from '../../train/progress.js';
import { lambdaTable, nearestQuality } from '../../train/quality.js';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../train/train-config.js';
import { CHECKPOINT_NAME, Trainer, type TrainSummary } from '../../train/trainer.js';
import { PACKAGE_ROOT } from '../../version.js';

interface TrainFlags {
  arch?: string;
  quality?: string;
  lambda?: string;
  metric: string;
  N?: string;
  M?: string;
  data?: string;
  dataLimit?: string;
  crop: string;
  flip: boolean;
  batch: string;
  steps?: string;
  lr: string;
  auxLr: string;
  clip: string;
  lrSchedule: string;
  quantizer: string;
  ema: string;
  seed: string;
  valData?: string;
  valCount: string;
  valCrop: string;
  valEvery: string;
  finalValCount: string;
  ckptEvery: string;
  logEvery: string;
  out?: string;
  init?: string;
  initPartial?: boolean;
  fp16?: boolean;
  resume?: string | boolean;
  progress: boolean;
}

function num(flag: string, value: string | undefined, opts: { int?: boolean; min?: number } = {}): number {
  const v = Number(value);
  if (value === undefined || !Number.isFinite(v) || (opts.int && !Number.isInteger(v)) || v < (opts.min ?? -Infinity)) {
    throw new UsageError(`--${flag} must be ${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}, got '${value}'`);
  }
  return v;
}

/** --quantizer of `train` and `defend adv-train`: the training loss's quantization proxy. */
export function quantizerFlag(s: string): TrainConfig['quantizer'] {
  if (s !== 'noise' && s !== 'mixed') throw new UsageError(`--quantizer must be noise or mixed, got '${s}'`);
  return s;
}

/** --ema of `train` and `defend adv-train`: a weight-average decay in [0, 1); 0 turns averaging off. */
export function emaFlag(v: string): number {
  const d = Number(v);
  if (!(d >= 0 && d < 1)) throw new UsageError(`--ema must be a decay in [0, 1) (e.g. 0.99; 0: off), got '${v}'`);
  return d;
}

/** Defaults are relative to the package (../shared/...), user paths to the working directory. */
const fromRoot = (p: string) => (isAbsolute(p) ? p : resolve(PACKAGE_ROOT, p));

function buildConfig(o: TrainFlags, command: string): TrainConfig {
  if (!o.arch) throw new UsageError('--arch is required for a new run (or pass --resume)');
  if (!isArchName(o.arch)) throw new UsageError(`unknown --arch '${o.arch}'`);
  if (o.metric !== 'mse' && o.metric !== 'ms-ssim') throw new UsageError(`--metric must be mse or ms-ssim, got '${o.metric}'`);
  const metric = o.metric;
  if (o.quality === undefined && o.lambda === undefined) throw new UsageError('give --quality Q or --lambda L');
  const quality = o.quality !== undefined ? num('quality', o.quality, { int: true, min: 1 }) : nearestQuality(num('lambda', o.lambda, { min: 0 }), metric);
  const lambda = o.lambda !== undefined ? num('lambda', o.lambda, { min: 0 }) : lambdaTable(metric)[quality - 1];
  if (lambda === undefined) throw new UsageError(`--quality ${quality} has no λ (1..8)`);
  const zoo = o.N === undefined || o.M === undefined ? configForQuality(o.arch, quality) : undefined;
  const N = o.N !== undefined ? num('N', o.N, { int: true, min: 1 }) : zoo!.N;
  const M = o.M !== undefined ? num('M', o.M, { int: true, min: 1 }) : zoo!.M;
  if (!o.out) throw new UsageError('--out DIR is required (checkpoints, metrics, weights go there)');
  return {
    arch: o.arch,
    N,
    M,
    quality,
    lambda,
    metric,
    data: o.data ? resolve(o.data) : fromRoot(TRAIN_DEFAULTS.data),
    ...(o.dataLimit !== undefined ? { dataLimit: num('data-limit', o.dataLimit, { int: true, min: 1 }) } : {}),
    crop: num('crop', o.crop, { int: true, min: 16 }),
    flip: o.flip,
    batch: num('batch', o.batch, { int: true, min: 1 }),
    steps: num('steps', o.steps ?? '10000', { int: true, min: 1 }),
    lr: num('lr', o.lr, { min: 0 }),
    auxLr: num('aux-lr', o.auxLr, { min: 0 }),
    clip: num('clip', o.clip, { min: 0 }),
    schedule: o.lrSchedule,
    quantizer: quantizerFlag(o.quantizer),
    ema: emaFlag(o.ema),
    seed: num('seed', o.seed, { int: true, min: 0 }),
    valData: o.valData ? resolve(o.valData) : fromRoot(TRAIN_DEFAULTS.valData),
    valCount: num('val-count', o.valCount, { int: true, min: 0 }),
    valCrop: num('val-crop', o.valCrop, { int: true, min: 0 }),
    valEvery: num('val-every', o.valEvery, { int: true, min: 1 }),
    finalValCount: num('final-val-count', o.finalValCount, { int: true, min: 0 }),
    ckptEvery: num('ckpt-every', o.ckptEvery, { int: true, min: 1 }),
    logEvery: num('log-every', o.logEvery, { int: true, min: 1 }),
    out: resolve(o.out),
    ...(o.init ? { init: resolve(o.init) } : {}),
    initPartial: o.initPartial === true,
    fp16: Boolean(o.fp16),
    command,
  };
}

function render(r: TrainSummary): string {
  return [
    `trained ${r.steps} steps (${r.stepsPerSecond.toFixed(3)} steps/s)`,
    `final on ${r.final.images} validation image(s): PSNR ${r.final.psnr.toFixed(2)} dB, ` +
      `bpp ${r.final.bppReal.toFixed(4)} real / ${r.final.bppEst.toFixed(4)} est` +
      (Number.isFinite(r.final.msssim) ? `, MS-SSIM ${r.final.msssim.toFixed(4)}` : ''),
    `weights:    ${r.weightsPath}`,
    `manifest:   ${r.manifestPath}`,
    `checkpoint: ${r.checkpointPath}`,
  ].join('\n');
}

export function register(program: Command, ctx: () => CliContext): void {
  const d = TRAIN_DEFAULTS;
  program
    .command('train')
    .description('train a learned codec (RD loss, Adam + aux Adam, checkpoints, real-bitstream validation) and write weights + manifest')
    .option('--arch <arch>', 'architecture (e.g. bmshj2018-hyperprior)')
    .option('--quality <q>', 'quality 1..8: λ and zoo N/M unless given explicitly')
    .option('--lambda <l>', 'rate-distortion λ (loss = λ·255²·MSE + bpp, or λ·(1−MS-SSIM) + bpp)')
    .option('--metric <m>', 'distortion: mse or ms-ssim', d.metric)
    .option('--N <n>', 'channels N (default: zoo value for the quality)')
    .option('--M <m>', 'channels M (default: zoo value for the quality)')
    .option('--data <dir>', `training images, recursive JPEG/PNG (default ${d.data})`)
    .option('--data-limit <n>', 'use only the first n images (sorted)')
    .option('--crop <px>', 'random crop size', String(d.crop))
    .option('--no-flip', 'disable random horizontal flips')
    .option('--batch <n>', 'batch size', String(d.batch))
    .option('--steps <n>', 'total optimisation steps (with --resume: the new total)')
    .option('--lr <lr>', 'network learning rate (Adam)', String(d.lr))
    .option('--aux-lr <lr>', 'entropy-bottleneck quantile learning rate (aux Adam)', String(d.auxLr))
    .option('--clip <norm>', 'clip gradients to this global L2 norm; 0 disables', String(d.clip))
    .option('--lr-schedule <s>', 'constant | step:EVERY[:FACTOR] | plateau[:PATIENCE[:FACTOR]]', d.schedule)
    .option('--quantizer <q>', 'training quantization proxy: noise (CompressAI) or mixed (noise for the rate, straight-through rounding for the decoder)', d.quantizer)
    .option('--ema <decay>', 'average the weights (exponential moving average with this decay per step, e.g. 0.995); the average is validated and written (0: off)', String(d.ema))
    .option('--seed <n>', 'seed for init, crops and noise', String(d.seed))
    .option('--val-data <dir>', `validation images (default ${d.valData})`)
    .option('--val-count <n>', 'validation images (first n, sorted); 0 disables periodic validation', String(d.valCount))
    .option('--val-crop <px>', 'centre-crop validation images; 0 keeps them whole', String(d.valCrop))
    .option('--val-every <n>', 'validate (real bitstreams) every n steps', String(d.valEvery))
    .option('--final-val-count <n>', 'full validation images for the manifest numbers; 0: the validation set', String(d.finalValCount))
    .option('--ckpt-every <n>', 'write the checkpoint every n steps', String(d.ckptEvery))
    .option('--log-every <n>', 'read losses back and append metrics.csv every n steps', String(d.logEvery))
    .option('--out <dir>', 'run folder: checkpoint.ckpt, metrics.csv, loss.svg, weights + manifest')
    .option('--init <weights>', 'start from these weights (safetensors or .pth.tar), e.g. to fine-tune to a new λ')
    .option('--init-partial', 'with --init: take only tensors whose name and shape match (warm start from another architecture)')
    .option('--fp16', 'store the shipped weights as float16')
    .option('--resume [checkpoint]', `continue a run exactly (default: OUT/${CHECKPOINT_NAME})`)
    .option('--no-progress', 'no progress bar')
    .action(async (o: TrainFlags, cmd: Command) => {
      const c = ctx();
      const command = invocation(cmd);
      const progress = o.progress && !c.json ? progressBar() : silentProgress;
      await initEngine({ engine: c.engine });
      let trainer: Trainer;
      if (o.resume !== undefined && o.resume !== false) {
        const path = typeof o.resume === 'string' ? resolve(o.resume) : o.out ? join(resolve(o.out), CHECKPOINT_NAME) : undefined;
        if (!path) throw new UsageError('--resume needs a checkpoint path or --out DIR');
        trainer = await Trainer.resume(path, { progress, command, ...(o.out ? { out: resolve(o.out) } : {}), ...(o.steps ? { steps: num('steps', o.steps, { int: true, min: 1 }) } : {}) });
        c.log(`advlic: resuming ${trainer.cfg.arch} N=${trainer.cfg.N} M=${trainer.cfg.M} λ=${trainer.cfg.lambda} at step ${trainer.step}/${trainer.cfg.steps}`);
      } else {
        trainer = await Trainer.create(buildConfig(o, command), { progress });
      }
      try {
        const summary = await trainer.run();
        c.print(summary, () => render(summary));
      } finally {
        trainer.dispose();
      }
    });
}
