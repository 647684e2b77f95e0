import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { invocation } from '../invocation.js';
import type { CliContext } from '../context.js';
import { initEngine } from '../../engine/index.js';
import { UsageError } from '../../errors.js';
import { readImage } from '../../image/read.js';
import { progressBar, silentProgress } from '../../train/progress.js';
import { ADV_CHECKPOINT_NAME, AdvTrainer, type AdvTrainSummary } from '../../defenses/adv-train/adv-trainer.js';
import { ADV_TRAIN_DEFAULTS } from '../../defenses/adv-train/config.js';
import { centreCrop } from '../../defenses/evaluate/crop.js';
import { evaluateDefences, type DefenceReport } from '../../defenses/evaluate/evaluate-defences.js';
import { reportMarkdown, writeDefenceReport } from '../../defenses/evaluate/render.js';
import { budgetDirName, budgetSweep, sweepMarkdown, writeBudgetSweep } from '../../defenses/evaluate/budget-sweep.js';
import { DEFENCES } from '../../defenses/registry.js';
import { parseFraction } from './attack.js';
import { emaFlag, quantizerFlag } from './train.js';

interface AdvTrainFlags {
  model?: string;
  quality?: string;
  lambda?: string;
  attack: string;
  goal: string;
  eps: string;
  steps: string;
  mode: string;
  quantizer: string;
  mix: string;
  trainSteps: string;
  ema: string;
  ramp: string;
  batch: string;
  crop: string;
  lr: string;
  seed: string;
  data: string;
  dataLimit?: string;
  valData: string;
  valCount: string;
  valCrop: string;
  selectEvery: string;
  selectData: string;
  selectCount: string;
  selectCrop: string;
  selectSteps: string;
  ckptEvery: string;
  out: string;
  resume?: string | boolean;
  progress: boolean;
}

interface EvaluateFlags {
  model: string;
  quality?: string;
  defences: string;
  weights?: string;
  bdModels?: string;
  images: string;
  count: string;
  crop: string;
  eps: string;
  steps: string;
  goal: string;
  modes: string;
  eot?: string;
  seed: string;
  out: string;
}

function int(v: string, flag: string, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/** A folder (sorted, first `count`) or a comma list of files. */
async function imagePaths(spec: string, count: number): Promise<string[]> {
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    const files = (await readdir(spec)).filter((f) => IMAGE_EXT.has(extname(f).toLowerCase())).sort();
    return files.slice(0, count || files.length).map((f) => join(spec, f));
  }
  const list = spec.split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of list) if (!existsSync(f)) throw new UsageError(`--images: no such file or folder '${f}'`);
  return count ? list.slice(0, count) : list;
}

export function register(program: Command, ctx: () => CliContext): void {
  const defend = program.command('defend').description('defences: adversarial fine-tuning and input-transform defences judged by adaptive attacks');

  defend
    .command('list')
    .description('the input-transform defences, their options and how adaptive attacks see through them')
    .action(() => {
      const rows = DEFENCES.map((d) => ({ name: d.name, gradient: d.gradient, options: d.defaults, summary: d.summary }));
      ctx().print(rows, () =>
        rows.map((r) => `${r.name.padEnd(13)} ${r.gradient.padEnd(9)} ${Object.entries(r.options).map(([k, v]) => `${k}=${v}`).join(',') || '-'}  ${r.summary}`).join('\n') +
        '\ncommon options: seed, eot (EOT samples), lambda (R-D choice), mode (0 = naive attacker, 1 = adaptive)\nspec: DEFENCE[:k=v,...]+MODEL, e.g. blur:sigma=1+bmshj2018-hyperprior@3',
      );
    });

  defend
    .command('adv-train')
    .description('fine-tune a model on clean + on-the-fly PGD crops (regenerated against the current weights); writes safetensors + manifest with a defence field')
    .option('--model <spec>', 'base weights: shipped name (bmshj2018-hyperprior@3) or weights file')
    .option('--quality <q>', 'quality label when the weights have no manifest')
    .option('--lambda <λ>', 'RD λ (default: the manifest\'s or the quality\'s)')
    .option('--attack <name>', 'attack used during training', 'pgd')
    .option('--goal <g>', 'attack goal: distortion, rate or both (the RD cost)', ADV_TRAIN_DEFAULTS.goal)
    .option('--eps <ε>', 'L∞ budget, fractions allowed', '8/255')
    .option('--steps <n>', 'attack steps per training step', String(ADV_TRAIN_DEFAULTS.attackSteps))
    .option('--mode <q>', 'quantization inside the attack: noise or ste', ADV_TRAIN_DEFAULTS.attackQuant)
    .option('--quantizer <q>', 'quantization proxy of the training loss: noise, or mixed (noise for the rate, straight-through rounding for the decoder); use the base model\'s', ADV_TRAIN_DEFAULTS.quantizer)
    .option('--mix <f>', 'fraction of each batch replaced by adversarial crops', String(ADV_TRAIN_DEFAULTS.mix))
    .option('--train-steps <k>', 'optimisation steps (with --resume: the new total)', String(ADV_TRAIN_DEFAULTS.steps))
    .option('--ramp <k>', 'curriculum: ramp ε linearly over the first k steps (0: off)', '0')
    .option('--ema <decay>', 'average the weights (exponential moving average with this decay per step, e.g. 0.99); the average is selected and written (0: off)', String(ADV_TRAIN_DEFAULTS.ema))
    .option('--batch <n>', 'crops per batch', String(ADV_TRAIN_DEFAULTS.batch))
    .option('--crop <px>', 'crop size', String(ADV_TRAIN_DEFAULTS.crop))
    .option('--lr <lr>', 'learning rate', String(ADV_TRAIN_DEFAULTS.lr))
    .option('--seed <n>', 'seed', '0')
    .option('--data <dir>', 'training images', ADV_TRAIN_DEFAULTS.data)
    .option('--data-limit <n>', 'use only the first n training images')
    .option('--val-data <dir>', 'validation images (manifest PSNR/bpp)', ADV_TRAIN_DEFAULTS.valData)
    .option('--val-count <n>', 'validation images', String(ADV_TRAIN_DEFAULTS.valCount))
    .option('--val-crop <px>', 'centre-crop validation images (0: full)', String(ADV_TRAIN_DEFAULTS.valCrop))
    .option('--select-every <k>', 'keep the most robust weights: attack held-out crops every k steps and at step 0 (0: off, write the last)', String(ADV_TRAIN_DEFAULTS.selectEvery))
    .option('--select-data <dir>', 'held-out images for the selection (not the evaluation set)', ADV_TRAIN_DEFAULTS.selectData)
    .option('--select-count <n>', 'selection crops', String(ADV_TRAIN_DEFAULTS.selectCount))
    .option('--select-crop <px>', 'selection centre-crop size (a multiple of 64)', String(ADV_TRAIN_DEFAULTS.selectCrop))
    .option('--select-steps <n>', 'PGD steps of the selection attack (full ε)', String(ADV_TRAIN_DEFAULTS.selectSteps))
    .option('--ckpt-every <n>', 'checkpoint interval', String(ADV_TRAIN_DEFAULTS.ckptEvery))
    .requiredOption('--out <dir>', 'output folder (weights, manifest, checkpoint, metrics.csv, robust-val.csv)')
    .option('--resume [checkpoint]', `continue a run exactly (default: OUT/${ADV_CHECKPOINT_NAME})`)
    .option('--no-progress', 'no progress bar')
    .action(async (o: AdvTrainFlags, cmd: Command) => {
      const c = ctx();
      const command = invocation(cmd);
      await initEngine({ engine: c.engine });
      const progress = o.progress && !c.json ? progressBar() : silentProgress;
      const steps = int(o.trainSteps, '--train-steps', 1);
      let trainer: AdvTrainer;
      if (o.resume !== undefined && o.resume !== false) {
        const path = typeof o.resume === 'string' ? resolve(o.resume) : join(resolve(o.out), ADV_CHECKPOINT_NAME);
        trainer = await AdvTrainer.resume(path, { progress, steps, out: resolve(o.out), command });
      } else {
        if (!o.model) throw new UsageError('--model is required for a new run (or pass --resume)');
        if (o.attack !== 'pgd') throw new UsageError(`--attack: only pgd is supported for training (got '${o.attack}')`);
        if (!['distortion', 'rate', 'both'].includes(o.goal)) throw new UsageError(`--goal must be distortion, rate or both, got '${o.goal}'`);
        if (o.mode !== 'noise' && o.mode !== 'ste') throw new UsageError(`--mode must be noise or ste, got '${o.mode}'`);
        trainer = await AdvTrainer.create(
          {
            model: o.model,
            out: resolve(o.out),
            ...(o.quality ? { quality: int(o.quality, '--quality', 1) } : {}),
            ...(o.lambda ? { lambda: parseFraction(o.lambda, '--lambda') } : {}),
            attack: 'pgd',
            goal: o.goal as 'distortion' | 'rate' | 'both',
            eps: parseFraction(o.eps, '--eps'),
            attackSteps: int(o.steps, '--steps', 1),
            attackQuant: o.mode,
            quantizer: quantizerFlag(o.quantizer),
            mix: parseFraction(o.mix, '--mix'),
            rampSteps: int(o.ramp, '--ramp'),
            steps,
            ema: emaFlag(o.ema),
            batch: int(o.batch, '--batch', 1),
            crop: int(o.crop, '--crop', 64),
            lr: parseFraction(o.lr, '--lr'),
            seed: int(o.seed, '--seed'),
            data: o.data,
            ...(o.dataLimit ? { dataLimit: int(o.dataLimit, '--data-limit', 1) } : {}),
            valData: o.valData,
            valCount: int(o.valCount, '--val-count'),
            valCrop: int(o.valCrop, '--val-crop'),
            selectEvery: int(o.selectEvery, '--select-every'),
            selectData: o.selectData,
            selectCount: int(o.selectCount, '--select-count', 1),
            selectCrop: int(o.selectCrop, '--select-crop', 64),
            selectSteps: int(o.selectSteps, '--select-steps', 1),
            ckptEvery: int(o.ckptEvery, '--ckpt-every', 1),
            command,
          },
          { progress },
        );
      }
      let summary: AdvTrainSummary;
      try {
        summary = await trainer.run();
      } finally {
        trainer.dispose();
      }
      c.print(summary, () =>
        `adversarially fine-tuned ${summary.steps} steps (${summary.stepsPerSecond.toFixed(3)} steps/s)\n` +
        (summary.selection
          ? `most robust on the held-out crops: step ${summary.selectedStep} (attacked loss ${summary.selection.find((p) => p.step === summary.selectedStep)!.attacked.toFixed(4)}; ${summary.selection.map((p) => `${p.step}: ${p.attacked.toFixed(4)}`).join(', ')}); its weights are written\n`
          : '') +
        `validation: PSNR ${summary.final.psnr.toFixed(2)} dB, ${summary.final.bppReal.toFixed(4)} bpp\n` +
        `weights: ${summary.weightsPath}\nmanifest: ${summary.manifestPath}`,
      );
    });

  defend
    .command('evaluate')
    .description('clean R-D cost and robustness (naive and adaptive attacks) of each defence; writes report.md/.csv/.json')
    .requiredOption('--model <spec>', 'attacked model: shipped name or weights file')
    .option('--quality <q>', 'quality label (sets λ) for weights without a manifest')
    .option('--defences <list>', `comma list of defence specs NAME[:k=v;...] (${DEFENCES.map((d) => d.name).join(', ')}); ';' separates a defence's options`, 'blur,jpeg,noise,bitdepth,resize,selfensemble,twoway')
    .option('--weights <list>', 'comma list of other weights to compare (e.g. bmshj2018-hyperprior@3:advtrain or a file)')
    .option('--bd-models <list>', 'comma list of ≥ 2 qualities of the model (shipped names) for clean BD-rates')
    .option('--images <dir|files>', 'image folder or comma list', '../shared/data/kodak')
    .option('--count <n>', 'images to use (0: all)', '1')
    .option('--crop <px>', 'centre crop (0: full image)', '256')
    .option('--eps <list>', 'L∞ budget, or a comma list of budgets (a report per budget and a sweep.md summary)', '8/255')
    .option('--steps <n>', 'PGD steps', '10')
    .option('--goal <g>', 'attack goal: rd (the R-D cost), distortion or rate', 'rd')
    .option('--modes <list>', 'attacker gradients: naive,adaptive', 'naive,adaptive')
    .option('--eot <k>', 'EOT samples for random defences (noise, twoway)', '4')
    .option('--seed <n>', 'seed', '0')
    .requiredOption('-o, --out <dir>', 'output folder')
    .action(async (o: EvaluateFlags) => {
      const c = ctx();
      await initEngine({ engine: c.engine });
      const paths = await imagePaths(o.images, int(o.count, '--count'));
      if (paths.length === 0) throw new UsageError(`--images '${o.images}' holds no PNG/JPEG image`);
      const crop = int(o.crop, '--crop');
      const images = [];
      for (const p of paths) images.push(centreCrop(await readImage(p, { warn: (m) => c.log(m) }), crop));
      if (!['rd', 'distortion', 'rate'].includes(o.goal)) throw new UsageError(`--goal must be rd, distortion or rate, got '${o.goal}'`);
      const modes = o.modes.split(',').map((m) => m.trim());
      for (const m of modes) if (m !== 'naive' && m !== 'adaptive') throw new UsageError(`--modes: '${m}' is neither naive nor adaptive`);
      const list = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
      const budgets = list(o.eps).map((e) => parseFraction(e, '--eps'));
      if (budgets.length === 0) throw new UsageError('--eps needs at least one budget');
      const out = resolve(o.out);
      // Everything but the budget and where its report goes, parsed once for all budgets.
      const common = {
        model: o.model,
        // "jpeg:quality=50;subsample=0" on the command line, since ',' separates defences.
        defences: list(o.defences).map((d) => d.replace(/;/g, ',')),
        weights: list(o.weights),
        bdModels: list(o.bdModels),
        images,
        ...(o.quality ? { quality: int(o.quality, '--quality', 1) } : {}),
        steps: int(o.steps, '--steps', 1),
        goal: o.goal as 'rd' | 'distortion' | 'rate',
        modes: modes as Array<'naive' | 'adaptive'>,
        seed: int(o.seed, '--seed'),
        ...(o.eot ? { eot: int(o.eot, '--eot', 1) } : {}),
      };
      const reports: DefenceReport[] = [];
      for (const eps of budgets) {
        // One budget: the report in OUT, as always; several: one folder per budget, and a summary.
        const dir = budgets.length === 1 ? out : join(out, budgetDirName(eps));
        const report: DefenceReport = await evaluateDefences({
          ...common,
          eps,
          onProgress: c.json ? undefined : (m) => c.log(budgets.length === 1 ? m : `ε ${(eps * 255).toFixed(1)}/255: ${m}`),
          // Each finished row is written at once: a run that fails later keeps what it measured.
          onRow: async (partial) => {
            await writeDefenceReport(partial, dir);
          },
        });
        reports.push(report);
        const files = await writeDefenceReport(report, dir);
        if (budgets.length === 1) {
          c.print({ ...report, files }, () => reportMarkdown(report) + `\nwritten: ${files.markdown}, ${files.csv}, ${files.json}`);
          continue;
        }
        // The summary is rewritten after every budget, so a later failure keeps the budgets done.
        const sweep = budgetSweep(reports);
        const sweepFiles = await writeBudgetSweep(sweep, out);
        if (reports.length === budgets.length) c.print({ ...sweep, files: sweepFiles }, () => sweepMarkdown(sweep) + `\nwritten: ${sweepFiles.markdown}, ${sweepFiles.json} and one report per budget`);
      }
    });
}
