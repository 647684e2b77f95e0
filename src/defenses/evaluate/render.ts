import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DefenceReport, DefenceRow } from './evaluate-defences.js';

const COLUMNS: Array<[string, (r: DefenceRow) => string | number | null]> = [
  ['defence', (r) => r.defence],
  ['mode', (r) => r.mode],
  ['gradient', (r) => r.gradient],
  ['clean_bpp', (r) => r.clean.bpp],
  ['clean_psnr', (r) => r.clean.psnr],
  ['clean_rd_cost', (r) => r.clean.rdCost],
  ['clean_rd_cost_change_pct', (r) => r.cleanRdCostChangePct],
  ['clean_bd_rate_pct', (r) => r.cleanBdRatePct],
  ['attacked_bpp', (r) => r.attacked.bpp],
  ['attacked_psnr', (r) => r.attacked.psnr],
  ['attacked_rd_cost', (r) => r.attacked.rdCost],
  ['rel_psnr_drop', (r) => r.relPsnrDrop],
  ['bpp_ratio', (r) => r.bppRatio],
  ['attacked_rd_cost_cut_pct', (r) => r.attackedRdCostCutPct],
  ['attack_delta_rd_cost', (r) => r.attackDeltaRdCost],
  ['attack_delta_cut_pct', (r) => r.attackDeltaCutPct],
  ['codec', (r) => r.codec],
  ['attack_ms', (r) => Math.round(r.attackMs)],
];

/** A value the row does not have (null, or NaN: e.g. an attack-ΔJ cut when the attack added nothing). */
const missing = (v: string | number | null): boolean => v === null || Number.isNaN(v);

export const fmt = (v: string | number | null, digits = 3) =>
  missing(v) ? '–' : typeof v === 'number' ? (Number.isFinite(v) ? v.toFixed(digits) : String(v)) : v;

/** A fraction as a percentage ("13.7 %"), and a ratio as a factor ("1.14x"): the README's way. */
export const pct = (v: number) => (missing(v) ? '–' : `${(v * 100).toFixed(1)} %`);
export const ratio = (v: number) => (missing(v) ? '–' : `${v.toFixed(2)}x`);

/** Missing values are empty CSV cells. */
const csvValue = (v: string | number | null): string => (missing(v) ? '' : String(v));

export function reportCsv(rep: DefenceReport): string {
  const esc = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [COLUMNS.map(([k]) => k).join(','), ...rep.rows.map((r) => COLUMNS.map(([, f]) => esc(csvValue(f(r)))).join(','))].join('\n') + '\n';
}

export function reportMarkdown(rep: DefenceReport): string {
  const g = rep.attack.goal as { goal: string };
  const head = [
    `# Defences for ${rep.model}`,
    '',
    ...(rep.complete ? [] : [`**Partial report: ${rep.rows.length} row(s) so far; the evaluation has not finished.**`, '']),
    `Attack: PGD-L∞ ε = ${(rep.attack.eps * 255).toFixed(1)}/255, ${rep.attack.steps} steps, goal ${g.goal}, seed ${rep.attack.seed}; ` +
      `${rep.images.count} image(s) of ${rep.images.width}×${rep.images.height} (first image's size). Everything is REAL coding of 8-bit images.`,
    '',
    `R-D cost J = bpp + λ·255²·MSE (λ = ${rep.lambda}, the model's training λ; real bytes; MSE of the decoded image vs the original).`,
    'Clean cost: J_clean(defended) vs J_clean(undefended), and the clean BD-rate where several qualities were given (for other weights, trained at one λ: their clean rate against the undefended curve at equal PSNR). ' +
      'Robustness: relative PSNR drop and bpp ratio vs the same codec\'s clean coding; attacked-J cut = 1 − J_attacked(defended)/J_attacked(undefended); ' +
      'attack ΔJ = J_attacked − J_clean of the row, and its cut = 1 − ΔJ(defended)/ΔJ(undefended), the share of the attack\'s damage removed (the attacked-J cut cannot exceed the attack\'s share of the attacked cost). ' +
      'naive: the attacker differentiates the undefended model only; adaptive: through the defence (exact, EOT or BPDA).',
    '',
    '| defence | attacker | gradient | clean bpp | clean PSNR | clean J | clean ΔJ % | clean BD-rate % | attacked bpp | attacked PSNR | rel. PSNR drop | bpp ratio | attacked J | attacked-J cut % | attack ΔJ | attack-ΔJ cut % |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const lines = rep.rows.map((r) =>
    `| ${r.defence} | ${r.mode} | ${r.gradient} | ${fmt(r.clean.bpp)} | ${fmt(r.clean.psnr, 2)} | ${fmt(r.clean.rdCost)} | ${fmt(r.cleanRdCostChangePct, 1)} | ${fmt(r.cleanBdRatePct, 1)} | ` +
      `${fmt(r.attacked.bpp)} | ${fmt(r.attacked.psnr, 2)} | ${pct(r.relPsnrDrop)} | ${ratio(r.bppRatio)} | ${fmt(r.attacked.rdCost)} | ${fmt(r.attackedRdCostCutPct, 1)} | ` +
      `${fmt(r.attackDeltaRdCost)} | ${fmt(r.attackDeltaCutPct, 1)} |`,
  );
  return [...head, ...lines, ''].join('\n');
}

/** Writes report.md, report.csv and report.json into `dir`. */
export async function writeDefenceReport(rep: DefenceReport, dir: string): Promise<{ markdown: string; csv: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const paths = { markdown: join(dir, 'report.md'), csv: join(dir, 'report.csv'), json: join(dir, 'report.json') };
  await writeFile(paths.markdown, reportMarkdown(rep));
  await writeFile(paths.csv, reportCsv(rep));
  await writeFile(paths.json, JSON.stringify(rep, null, 2) + '\n');
  return paths;
}
