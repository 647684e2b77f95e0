import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { PACKAGE_ROOT } from '../../version.js';
import { UsageError } from '../../errors.js';

/** The demo image shipped with the package (Kodak, unrestricted licence). */
export const DEMO_IMAGE = join(PACKAGE_ROOT, 'assets', 'kodim23.png');

interface DemoOptions {
  model: string;
  image: string;
  eps: string;
  steps: string;
  out: string;
}

/**
 * The README's first command: PGD (L∞) against a shipped model on a Kodak image, once with the
 * distortion goal and once with the rate goal, each honestly evaluated (8-bit adversarial
 * image, real bitstreams); prints what the attack did.
 */
export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('demo')
    .description('attack a shipped model with PGD on a Kodak image (distortion and rate goals) and print the damage')
    .option('--model <spec>', 'codec to attack', 'bmshj2018-hyperprior@4')
    .option('--image <file>', 'image to attack', DEMO_IMAGE)
    .option('--eps <ε>', 'L∞ budget', '8/255')
    .option('--steps <n>', 'PGD iterations', '20')
    .option('-o, --out <dir>', 'output folder', 'advlic-demo')
    .action(async (o: DemoOptions) => {
      const c = ctx();
      const { main } = await import('../main.js');
      const global = c.engine ? ['--engine', c.engine] : [];
      const rows: Array<Record<string, unknown>> = [];
      for (const goal of ['distortion', 'rate'] as const) {
        const dir = join(o.out, goal);
        c.log(`demo: PGD ε=${o.eps}, ${o.steps} steps, goal=${goal}, model ${o.model} → ${dir}`);
        const code = await main([...global, 'attack', o.image, '--model', o.model, '--method', 'pgd', '--goal', goal, '--eps', o.eps, '--steps', o.steps, '-o', dir]);
        if (code !== 0) throw new UsageError(`demo: the ${goal} attack failed (exit ${code}); see the message above`);
        const r = JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as Record<string, unknown>;
        rows.push({ goal, dir, result: r });
      }
      c.print({ model: o.model, image: o.image, eps: o.eps, steps: Number(o.steps), runs: rows }, () => renderDemo(rows));
    });
}

function renderDemo(rows: Array<Record<string, unknown>>): string {
  const lines = ['', 'goal        PSNR clean → attacked (drop)       bpp clean → attacked (ratio)    perturbation PSNR'];
  for (const row of rows) {
    const r = row.result as Record<string, any>;
    const clean = r.clean ?? {};
    const adv = r.attacked ?? {};
    const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
    lines.push(
      `${String(row.goal).padEnd(11)} ${fmt(clean.psnr)} → ${fmt(adv.psnr)} dB (${pct(r.psnrDropRel ?? NaN)})`.padEnd(47) +
        `${fmt(clean.bppReal, 3)} → ${fmt(adv.bppReal, 3)} (${fmt(r.bppRatio, 2)}x)`.padEnd(32) +
        `${fmt(r.perturbation?.psnr)} dB`,
    );
  }
  lines.push('', `images and result.json: ${rows.map((r) => r.dir).join(', ')}`);
  return lines.join('\n');
}

function fmt(v: unknown, digits = 2): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : String(v);
}
