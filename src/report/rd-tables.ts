/** RD results as Markdown and CSV tables (the JSON is the RdResult itself). */
import type { RdResult } from './rd-curves.js';

const num = (v: number | null, d: number) => (v === null ? '' : v.toFixed(d));

const COLUMNS = ['curve', 'kind', 'spec', 'codec', 'images', 'bpp', 'psnr', 'ms_ssim', 'bpp_estimated', 'encode_ms', 'decode_ms'] as const;

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function rdCsv(r: RdResult): string {
  const lines = [COLUMNS.join(',')];
  for (const p of r.points) {
    lines.push(
      [p.curve, p.kind, p.spec, p.codec, String(p.images), num(p.bpp, 6), num(p.psnr, 4), num(p.msSsim, 6), num(p.bppEstimated, 6), num(p.encodeMs, 1), num(p.decodeMs, 1)]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}

export function rdMarkdown(r: RdResult): string {
  const out = [`# Rate–distortion (${r.images.length} image(s): ${r.images.join(', ')})`, ''];
  out.push('Mean real bpp (bytes × 8 / pixels) and mean PSNR (8-bit) over the images, per setting.', '');
  out.push('| curve | setting | bpp | PSNR (dB) | MS-SSIM | est. bpp | enc ms | dec ms |', '|---|---|---:|---:|---:|---:|---:|---:|');
  for (const p of r.points) {
    out.push(`| ${p.curve} | ${p.codec} | ${num(p.bpp, 4)} | ${num(p.psnr, 2) || '∞'} | ${num(p.msSsim, 4) || '—'} | ${num(p.bppEstimated, 4) || '—'} | ${num(p.encodeMs, 0)} | ${num(p.decodeMs, 0)} |`);
  }
  if (r.bd.length) {
    out.push('', `## Bjøntegaard deltas against ${r.bd[0]!.anchor}`, '', '| curve | BD-rate (%) | BD-PSNR (dB) | note |', '|---|---:|---:|---|');
    for (const b of r.bd) out.push(`| ${b.curve} | ${num(b.bdRate, 2) || '—'} | ${num(b.bdPsnr, 3) || '—'} | ${b.note ?? ''} |`);
  }
  return out.join('\n') + '\n';
}
