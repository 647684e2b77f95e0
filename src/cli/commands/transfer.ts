import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { initEngine } from '../../engine/index.js';
import { UsageError } from '../../errors.js';
import { readImage } from '../../image/read.js';
import { resolveCodec } from '../../codec/resolve.js';
import type { Codec } from '../../codec/types.js';
import { attackAndEvaluate } from '../../attacks/attack-and-evaluate.js';
import { evaluateTransfer, type TransferRow } from '../../attacks/transfer.js';
import { matchQualityToBpp } from '../../classical/matched-quality.js';
import { classicalCodecDef, requireClassicalSpecs } from '../../classical/registry.js';
import { specName } from '../../classical/spec.js';
import { parseFraction } from './attack.js';

interface TransferOptions {
  source: string;
  method: string;
  goal: string;
  eps: string;
  steps: string;
  targets: string;
  matchBpp?: boolean;
  seed: string;
  out?: string;
}

/**
 * Transfer attacks: a white-box attack against a learned source model, its 8-bit adversarial
 * image then really coded by every target codec (classical ones included), at each budget.
 * With --match-bpp each classical target is set to the quality whose clean real bpp is
 * closest to the source model's (the comparison the research makes).
 */
export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('transfer')
    .description('white-box attack on a source model, the adversarial image judged on target codecs (e.g. classical), per budget')
    .argument('<image>', 'input image')
    .requiredOption('--source <spec>', 'learned model the perturbation is made against')
    .option('--method <name>', 'white-box attack', 'pgd')
    .option('--goal <g>', 'distortion or rate', 'distortion')
    .option('--eps <list>', 'comma list of L∞ budgets, fractions allowed', '2/255,4/255,8/255')
    .option('--steps <n>', 'attack iterations', '10')
    .option('--targets <list>', 'comma list of target codecs (jpeg@75, webp, hevc@qp32, a model, ...)', 'jpeg,webp,avif,jxl,j2k,hevc')
    .option('--match-bpp', "set each classical target's quality to the source model's clean bpp on this image")
    .option('--seed <n>', 'seed', '0')
    .option('-o, --out <dir>', 'write transfer.json here')
    .action(async (image: string, o: TransferOptions) => {
      const c = ctx();
      const budgets = o.eps.split(',').map((e) => parseFraction(e.trim(), '--eps'));
      if (o.goal !== 'distortion' && o.goal !== 'rate') throw new UsageError(`--goal must be distortion or rate, got '${o.goal}'`);
      const steps = Number(o.steps);
      if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`--steps must be a positive integer, got '${o.steps}'`);
      const names = o.targets.split(',').map((t) => t.trim()).filter(Boolean);
      if (names.length === 0) throw new UsageError('--targets is empty');
      // Before minutes of white-box attack: every classical target must parse and have its tools.
      await requireClassicalSpecs(names);
      await initEngine({ engine: c.engine });
      const original = await readImage(image);
      const source = await resolveCodec(o.source);

      const runs: Array<{ eps: number; source: Record<string, unknown>; targets: TransferRow[] }> = [];
      let targets: Codec[] | undefined;
      let clean: Awaited<ReturnType<typeof attackAndEvaluate>>['result']['clean'] | undefined;
      for (const eps of budgets) {
        c.log(`transfer: ${o.method} ε=${(eps * 255).toFixed(2)}/255 against ${source.id} (${o.goal})`);
        const run = await attackAndEvaluate(source, original, {
          method: o.method,
          options: o.method === 'fgsm' || o.method === 'noise' ? {} : { steps },
          goal: o.goal === 'rate' ? { goal: 'rate' } : { goal: 'distortion' },
          budget: { norm: 'linf', eps },
          seed: Number(o.seed),
          ...(clean ? { clean } : {}),
        });
        clean ??= run.result.clean;
        targets ??= await openTargets(names, original, clean.bppReal, Boolean(o.matchBpp), c);
        const rows = await evaluateTransfer(original, run.adversarial, targets);
        const r = run.result;
        runs.push({ eps, source: { codec: r.codec, clean: r.clean, attacked: r.attacked, psnrDropRel: r.psnrDropRel, bppRatio: r.bppRatio }, targets: rows });
      }
      const doc = { image, source: source.id, method: o.method, goal: o.goal, steps, matchBpp: Boolean(o.matchBpp), runs };
      if (o.out) {
        await mkdir(o.out, { recursive: true });
        await writeFile(join(o.out, 'transfer.json'), JSON.stringify(doc, null, 2) + '\n');
      }
      c.print(doc, () => renderTransfer(doc.runs, o.goal));
    });
}

function isClassical(name: string): boolean {
  return classicalCodecDef(specName(name)) !== undefined;
}

async function openTargets(names: string[], original: Parameters<typeof matchQualityToBpp>[1], bpp: number, match: boolean, c: CliContext): Promise<Codec[]> {
  const out: Codec[] = [];
  for (const name of names) {
    const classicalBase = isClassical(name);
    if (match && classicalBase) {
      const m = await matchQualityToBpp(name, original, bpp);
      c.log(`transfer: ${name} matched to ${m.spec} (${m.bpp.toFixed(3)} bpp vs source ${bpp.toFixed(3)})`);
      out.push(m.codec);
    } else {
      // A classical name without a quality gets common quality 75, options kept ("jpeg:444" → "jpeg@75:444").
      out.push(await resolveCodec(classicalBase && !name.includes('@') ? name.replace(/^([^:]+)/, '$1@75') : name));
    }
  }
  return out;
}

function renderTransfer(runs: Array<{ eps: number; source: Record<string, any>; targets: TransferRow[] }>, goal: string): string {
  const lines: string[] = [];
  for (const run of runs) {
    lines.push(`ε = ${(run.eps * 255).toFixed(0)}/255`);
    const fmt = (name: string, drop: number | null, ratio: number, bpp: number) =>
      `  ${name.padEnd(28)} clean ${bpp.toFixed(3)} bpp   PSNR drop ${drop === null ? '  n/a' : (100 * drop).toFixed(1).padStart(5) + ' %'}   bpp ×${ratio.toFixed(3)}`;
    lines.push(fmt(`${run.source.codec} (white-box)`, run.source.psnrDropRel, run.source.bppRatio, run.source.clean.bppReal));
    for (const t of run.targets) lines.push(fmt(t.target, t.psnrDropRel, t.bppRatio, t.clean.bppReal));
  }
  lines.push(`(goal: ${goal}; all rates are real bitstream sizes, all PSNRs against the original)`);
  return lines.join('\n');
}
