/**
 * Prints the README's attack table from a results store: per model (quality 4), per attack and
 * L∞ budget, the relative PSNR drop (distortion goal) and the real bpp ratio (rate goal).
 *   node --import tsx scripts/attack-table.ts runs/paper.sqlite [quality]
 */
import Database from 'better-sqlite3';

const [db = 'runs/paper.sqlite', q = '4'] = process.argv.slice(2);
const rows = new Database(db, { readonly: true })
  .prepare('SELECT model, quality, attack, goal, eps, rel_psnr_drop AS rdrop, bpp_ratio AS ratio, psnr_clean AS pc, bpp_clean AS bc FROM results WHERE quality = ?')
  .all(Number(q)) as Array<{ model: string; attack: string; goal: string; eps: number; rdrop: number; ratio: number; pc: number; bc: number }>;
const attacks = ['noise', 'fgsm', 'ifgsm', 'pgd', 'mifgsm', 'cw'];
const budgets = [2, 4, 8];
const models = [...new Set(rows.map((r) => r.model))].sort();
const cell = (m: string, a: string, g: string, e: number) => rows.find((r) => r.model === m && r.attack === a && r.goal === g && Math.round(r.eps * 255) === e);
for (const [goal, label, fmt] of [
  ['distortion', 'relative PSNR drop, distortion goal', (r: { rdrop: number }) => `${(100 * r.rdrop).toFixed(1)} %`],
  ['rate', 'real bpp ratio, rate goal', (r: { ratio: number }) => `${r.ratio.toFixed(2)}x`],
] as const) {
  console.log(`\n**${label}** (quality ${q}; ε = 2 / 4 / 8 per 255)\n`);
  console.log(`| model (clean PSNR, bpp) | ${attacks.join(' | ')} |`);
  console.log(`|---|${attacks.map(() => '---').join('|')}|`);
  for (const m of models) {
    const any = rows.find((r) => r.model === m)!;
    const cells = attacks.map((a) => budgets.map((e) => { const r = cell(m, a, goal, e); return r ? fmt(r as never) : '–'; }).join(' / '));
    console.log(`| ${m}@${q} (${any.pc.toFixed(2)} dB, ${any.bc.toFixed(3)}) | ${cells.join(' | ')} |`);
  }
}
