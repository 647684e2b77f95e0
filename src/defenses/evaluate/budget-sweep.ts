import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { DefenceReport } from './evaluate-defences.js';
import { fmt, pct, ratio } from './render.js';

/**
 * A defence evaluation repeated over several L∞ budgets, summarised side by side. One budget
 * cannot tell a defence that holds from one whose gain only looks large because the attack
 * barely moves the cost: the attacked-J cut is bounded by the attack's share of the attacked
 * cost (`ceiling` below), and that share grows with ε. Each budget keeps its full report in
 * its own folder (budgetDirName); this file writes the summary beside them.
 */

/** "eps-8_255" for 8/255: a folder name per budget that sorts and reads as the budget. */
export function budgetDirName(eps: number): string {
  const n = Math.round(eps * 255 * 100) / 100;
  return `eps-${String(n).replace('.', 'p')}_255`;
}

export interface SweepLine {
  /** "none", "weights:<spec>", or "<defence> <mode>". */
  row: string;
  eps: number;
  cleanRdCost: number;
  attackedRdCost: number;
  relPsnrDrop: number;
  bppRatio: number;
  attackedRdCostCutPct: number;
  attackDeltaCutPct: number;
}

export interface BudgetSweep {
  model: string;
  steps: number;
  goal: string;
  images: DefenceReport['images'];
  /** Per budget: the undefended attacked J, and the largest attacked-J cut any defence could reach (the attack's share of it), %. */
  budgets: Array<{ eps: number; undefendedAttackedRdCost: number; ceilingPct: number; dir: string }>;
  lines: SweepLine[];
}

const rowLabel = (defence: string, mode: string) => (mode === '-' ? defence : `${defence} ${mode}`);

/** The summary of one report per budget (all from the same model, images and attack otherwise). */
export function budgetSweep(reports: readonly DefenceReport[]): BudgetSweep {
  const first = reports[0];
  if (!first) throw new ConfigError('budget sweep: no reports to summarise');
  const budgets = reports.map((rep) => {
    const none = rep.rows.find((r) => r.defence === 'none')!;
    return {
      eps: rep.attack.eps,
      undefendedAttackedRdCost: none.attacked.rdCost,
      ceilingPct: (1 - none.clean.rdCost / none.attacked.rdCost) * 100,
      dir: budgetDirName(rep.attack.eps),
    };
  });
  const lines = reports.flatMap((rep) =>
    rep.rows.map((r) => ({
      row: rowLabel(r.defence, r.mode),
      eps: rep.attack.eps,
      cleanRdCost: r.clean.rdCost,
      attackedRdCost: r.attacked.rdCost,
      relPsnrDrop: r.relPsnrDrop,
      bppRatio: r.bppRatio,
      attackedRdCostCutPct: r.attackedRdCostCutPct,
      attackDeltaCutPct: r.attackDeltaCutPct,
    })),
  );
  return { model: first.model, steps: first.attack.steps, goal: (first.attack.goal as { goal: string }).goal, images: first.images, budgets, lines };
}

const eps255 = (eps: number) => `${+(eps * 255).toFixed(2)}/255`;

export function sweepMarkdown(s: BudgetSweep): string {
  const rows = [...new Set(s.lines.map((l) => l.row))];
  const head = [
    `# Defences for ${s.model} across attack budgets`,
    '',
    `PGD-L∞, ${s.steps} steps, goal ${s.goal}; ${s.images.count} image(s) of ${s.images.width}×${s.images.height}; real coding. ` +
      'Each budget\'s full report is in its folder. Per cell: attacked J, then attacked-J cut % / attack-ΔJ cut % against the undefended model at that budget.',
    '',
    '| budget | undefended attacked J | ceiling of the attacked-J cut % | folder |',
    '|---|---:|---:|---|',
    ...s.budgets.map((b) => `| ${eps255(b.eps)} | ${fmt(b.undefendedAttackedRdCost)} | ${fmt(b.ceilingPct, 1)} | ${b.dir} |`),
    '',
    '(The ceiling is the attack\'s share of the undefended attacked cost, 1 − J_clean/J_attacked: a defence that left the clean cost unchanged and removed the whole attack would reach it.)',
    '',
    `| row | ${s.budgets.map((b) => eps255(b.eps)).join(' | ')} |`,
    `|---|${s.budgets.map(() => '---:').join('|')}|`,
  ];
  const cell = (row: string, eps: number) => {
    const l = s.lines.find((x) => x.row === row && x.eps === eps);
    return l ? `${fmt(l.attackedRdCost)} (${fmt(l.attackedRdCostCutPct, 1)} / ${fmt(l.attackDeltaCutPct, 1)}); PSNR −${pct(l.relPsnrDrop)}, ${ratio(l.bppRatio)} bpp` : '';
  };
  return [...head, ...rows.map((r) => `| ${r} | ${s.budgets.map((b) => cell(r, b.eps)).join(' | ')} |`), ''].join('\n');
}

/** Writes sweep.md and sweep.json into `dir`. */
export async function writeBudgetSweep(s: BudgetSweep, dir: string): Promise<{ markdown: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const paths = { markdown: join(dir, 'sweep.md'), json: join(dir, 'sweep.json') };
  await writeFile(paths.markdown, sweepMarkdown(s));
  await writeFile(paths.json, JSON.stringify(s, null, 2) + '\n');
  return paths;
}
