import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { initEngine } from '../../engine/index.js';
import { ImageShapeError, UsageError } from '../../errors.js';
import { readImage } from '../../image/read.js';
import { writePng } from '../../image/write.js';
import type { RgbImage } from '../../image/types.js';
import { resolveCodec } from '../../codec/resolve.js';
import { attackAndEvaluate, type AttackResult } from '../../attacks/attack-and-evaluate.js';
import { GOAL_NAMES, type GoalName, type GoalSpec } from '../../attacks/objectives.js';
import { ATTACK_NAMES, attackEntry } from '../../attacks/registry.js';
import type { AttackProgress, Budget } from '../../attacks/types.js';

interface AttackCliOptions {
  model: string;
  arch?: string;
  quality?: string;
  method: string;
  goal: string;
  metric?: string;
  channel?: string;
  lambda?: string;
  target?: string;
  mask?: string;
  norm: string;
  eps?: string;
  minPsnr?: string;
  steps?: string;
  stepSize?: string;
  restarts?: string;
  queries?: string;
  options?: string;
  seed: string;
  quant: string;
  out: string;
}

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('attack')
    .description('attack one image through a codec, evaluate honestly (8-bit image, real coding), write images and result.json')
    .argument('<image>', 'input image (PNG, JPEG, ...)')
    .requiredOption('--model <spec>', 'codec: shipped name (bmshj2018-hyperprior@3), weights file, CompressAI checkpoint or classical spec (jpeg@75)')
    .option('--arch <arch>', 'architecture for checkpoints whose keys do not tell it')
    .option('--quality <q>', 'quality label for weights without a manifest')
    .option('--method <name>', `attack: ${ATTACK_NAMES.join(', ')}`, 'pgd')
    .option('--goal <goals>', `goal or weighted goals, e.g. distortion or rate:1,distortion:0.5 (${GOAL_NAMES.join(', ')})`, 'distortion')
    .option('--metric <m>', 'distortion goal: mse or psnr')
    .option('--channel <c>', 'distortion goal: rgb or y (BT.601 luma)')
    .option('--lambda <λ>', 'rd goal: weight of 255²·MSE against bpp')
    .option('--target <image>', 'targeted goal: the image the reconstruction should look like')
    .option('--mask <image>', 'targeted goal: region of interest (bright = inside), same size as the image')
    .option('--norm <norm>', 'budget: linf, l2 or psnr', 'linf')
    .option('--eps <ε>', 'budget radius for linf/l2, fractions allowed (8/255); default: the attack\'s')
    .option('--min-psnr <dB>', 'budget for --norm psnr: PSNR floor of the adversarial image')
    .option('--steps <n>', 'iterations (gradient attacks)')
    .option('--step-size <α>', 'absolute step size, fractions allowed (2/255)')
    .option('--restarts <n>', 'PGD restarts')
    .option('--queries <n>', 'query budget (square)')
    .option('--options <json>', 'further attack options as JSON, e.g. {"decay":0.9}')
    .option('--seed <n>', 'seed for every random choice', '0')
    .option('--quant <mode>', 'quantization inside the attack: ste or noise', 'ste')
    .requiredOption('-o, --out <dir>', 'output folder')
    .action(async (imagePath: string, o: AttackCliOptions) => {
      const c = ctx();
      await initEngine({ engine: c.engine });
      const entry = attackEntry(o.method);
      const image = await readImage(imagePath);
      const spec = {
        method: entry.name,
        options: attackOptions(o),
        goal: await goals(o, image),
        budget: budget(o, entry.defaultBudget),
        seed: integer(o.seed, '--seed'),
        quant: quantMode(o.quant),
      };
      const codec = await resolveCodec(o.model, {
        ...(o.arch ? { arch: o.arch } : {}),
        ...(o.quality ? { quality: integer(o.quality, '--quality') } : {}),
      });
      try {
        const bar = progressBar();
        let started = false;
        const onProgress = (p: AttackProgress) => {
          if (!started) bar.start(p.total, 0, fields(p));
          started = true;
          bar.setTotal(p.total);
          bar.update(p.iteration, fields(p));
        };
        let run;
        try {
          run = await attackAndEvaluate(codec, image, spec, onProgress);
        } finally {
          if (started) bar.stop();
        }
        await mkdir(o.out, { recursive: true });
        const recon = run.reconstructions;
        await writePng(join(o.out, 'adversarial.png'), run.adversarial);
        await writePng(join(o.out, 'recon-clean.png'), recon.clean!);
        await writePng(join(o.out, 'recon-attacked.png'), recon.attacked);
        await writePng(join(o.out, 'perturbation.png'), amplified(image, run.adversarial));
        await writePng(join(o.out, 'side-by-side.png'), sideBySide([image, run.adversarial, recon.clean!, recon.attacked]));
        const result = { input: imagePath, model: o.model, ...run.result };
        await writeFile(join(o.out, 'result.json'), JSON.stringify(result, null, 2) + '\n');
        c.print(result, () => human(run.result, o.out));
      } finally {
        codec.dispose?.();
      }
    });
}

/** "8/255", "0.03", "1e-2" → number; UsageError naming the flag otherwise. */
export function parseFraction(s: string, flag: string): number {
  const m = /^\s*([0-9.eE+-]+)\s*(?:\/\s*([0-9.eE+-]+)\s*)?$/.exec(s);
  const v = m ? Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2])) : NaN;
  if (!Number.isFinite(v)) throw new UsageError(`${flag} must be a number or a fraction like 8/255, got '${s}'`);
  return v;
}

function integer(s: string, flag: string): number {
  const v = Number(s);
  if (!Number.isInteger(v)) throw new UsageError(`${flag} must be an integer, got '${s}'`);
  return v;
}

function quantMode(s: string): 'ste' | 'noise' {
  if (s !== 'ste' && s !== 'noise') throw new UsageError(`--quant must be ste or noise, got '${s}'`);
  return s;
}

function attackOptions(o: AttackCliOptions): Record<string, unknown> {
  let extra: Record<string, unknown> = {};
  if (o.options) {
    try {
      extra = JSON.parse(o.options) as Record<string, unknown>;
    } catch {
      throw new UsageError(`--options must be a JSON object, got '${o.options}'`);
    }
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new UsageError('--options must be a JSON object');
  }
  return {
    ...extra,
    ...(o.steps !== undefined ? { steps: integer(o.steps, '--steps') } : {}),
    ...(o.stepSize !== undefined ? { stepSize: parseFraction(o.stepSize, '--step-size') } : {}),
    ...(o.restarts !== undefined ? { restarts: integer(o.restarts, '--restarts') } : {}),
    ...(o.queries !== undefined ? { queries: integer(o.queries, '--queries') } : {}),
  };
}

function budget(o: AttackCliOptions, fallback: Budget): Budget {
  switch (o.norm) {
    case 'linf':
    case 'l2':
      if (o.eps === undefined) {
        if (fallback.norm === o.norm) return fallback;
        if (o.norm === 'linf') return { norm: 'linf', eps: 8 / 255 };
        throw new UsageError('--norm l2 needs --eps');
      }
      return { norm: o.norm, eps: parseFraction(o.eps, '--eps') };
    case 'psnr':
      if (o.minPsnr === undefined) throw new UsageError('--norm psnr needs --min-psnr');
      return { norm: 'psnr', minPsnr: parseFraction(o.minPsnr, '--min-psnr') };
    default:
      throw new UsageError(`--norm must be linf, l2 or psnr, got '${o.norm}'`);
  }
}

async function goals(o: AttackCliOptions, image: RgbImage): Promise<GoalSpec[]> {
  const list: GoalSpec[] = [];
  for (const part of o.goal.split(',')) {
    const [name, w] = part.split(':') as [string, string | undefined];
    if (!(GOAL_NAMES as readonly string[]).includes(name)) throw new UsageError(`--goal: unknown goal '${name}' (known: ${GOAL_NAMES.join(', ')})`);
    const weight = w === undefined ? 1 : parseFraction(w, '--goal weight');
    list.push(await goal(name as GoalName, weight, o, image));
  }
  return list;
}

async function goal(name: GoalName, weight: number, o: AttackCliOptions, image: RgbImage): Promise<GoalSpec> {
  switch (name) {
    case 'distortion':
      return { goal: name, weight, ...(o.metric ? { metric: o.metric as 'mse' } : {}), ...(o.channel ? { channel: o.channel as 'rgb' } : {}) };
    case 'rd':
      return { goal: name, weight, ...(o.lambda ? { lambda: parseFraction(o.lambda, '--lambda') } : {}) };
    case 'targeted': {
      if (!o.target) throw new UsageError('--goal targeted needs --target <image>');
      const target = await readImage(o.target);
      sameSize(target, image, '--target');
      if (!o.mask) return { goal: name, weight, target };
      const m = await readImage(o.mask);
      sameSize(m, image, '--mask');
      const mask = new Float32Array(m.width * m.height);
      for (let i = 0; i < mask.length; i++) mask[i] = (m.data[3 * i]! + m.data[3 * i + 1]! + m.data[3 * i + 2]!) / 3;
      return { goal: name, weight, target, mask };
    }
    default:
      return { goal: name, weight };
  }
}

function sameSize(a: RgbImage, b: RgbImage, flag: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new ImageShapeError(`${flag} is ${a.width}x${a.height} but the image is ${b.width}x${b.height}`);
  }
}

/** 0.5 + δ scaled so that the largest |δ| reaches the full range: the perturbation made visible. */
function amplified(x: RgbImage, adv: RgbImage): RgbImage {
  let m = 0;
  for (let i = 0; i < x.data.length; i++) m = Math.max(m, Math.abs(adv.data[i]! - x.data[i]!));
  const k = m > 0 ? 0.5 / m : 0;
  return { width: x.width, height: x.height, data: x.data.map((v, i) => 0.5 + (adv.data[i]! - v) * k) };
}

/** Images of one size placed left to right. */
function sideBySide(images: RgbImage[]): RgbImage {
  const { width: w, height: h } = images[0]!;
  const W = w * images.length;
  const data = new Float32Array(W * h * 3);
  images.forEach((img, k) => {
    for (let r = 0; r < h; r++) data.set(img.data.subarray(r * w * 3, (r + 1) * w * 3), (r * W + k * w) * 3);
  });
  return { width: W, height: h, data };
}

function progressBar(): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'attack |{bar}| {value}/{total} | loss {loss} | PSNR {psnr} dB | bpp {bpp} | ETA {eta_formatted}',
      hideCursor: true,
      fps: 4,
      noTTYOutput: false,
      notTTYSchedule: 30_000,
    },
    cliProgress.Presets.shades_classic,
  );
}

function fields(p: AttackProgress): Record<string, string> {
  return { loss: p.loss.toPrecision(5), psnr: p.psnr === undefined ? '-' : p.psnr.toFixed(2), bpp: p.bpp === undefined ? '-' : p.bpp.toFixed(3) };
}

function human(r: AttackResult, out: string): string {
  const f = (v: number | null, d: number) => (v === null ? 'inf' : v.toFixed(d));
  return [
    `${r.attack.name} on ${r.codec}, goal ${r.objective}, budget ${JSON.stringify(r.budget)}, seed ${r.seed}`,
    `PSNR     ${f(r.clean.psnr, 2)} → ${f(r.attacked.psnr, 2)} dB (relative drop ${r.psnrDropRel === null ? 'n/a' : (100 * r.psnrDropRel).toFixed(1) + ' %'})`,
    `MS-SSIM  ${r.clean.msSsim.toFixed(4)} → ${r.attacked.msSsim.toFixed(4)}`,
    `bpp      ${r.clean.bppReal.toFixed(4)} → ${r.attacked.bppReal.toFixed(4)} real (×${r.bppRatio.toFixed(3)}), estimated ${r.bppEstimatedRatio === null ? 'n/a' : '×' + r.bppEstimatedRatio.toFixed(3)}`,
    `perturbation L∞ ${r.perturbation.linf255} levels, L2 ${r.perturbation.l2.toFixed(4)}, PSNR ${f(r.perturbation.psnr, 2)} dB`,
    `passes   ${r.counts.forward} forward, ${r.counts.backward} backward, ${r.counts.codecQueries} codec queries; ${(r.attackMs / 1000).toFixed(1)} s`,
    `written  ${out}/{adversarial,recon-clean,recon-attacked,perturbation,side-by-side}.png, result.json`,
  ].join('\n');
}
