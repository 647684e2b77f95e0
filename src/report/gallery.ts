import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ImageRole } from '../experiments/job-runner.js';
import { describeRow } from './aggregate.js';
import type { ResultRow } from './load.js';

/** Perturbation shown at this gain around mid-grey, so a 2/255 change is visible. */
export const PERTURBATION_GAIN = 10;

async function rgb(path: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** 0.5 + gain·(adversarial − original), clamped: the amplified perturbation image. */
export async function amplifiedPerturbation(original: string, adversarial: string, out: string, gain = PERTURBATION_GAIN): Promise<void> {
  const [a, b] = await Promise.all([rgb(original), rgb(adversarial)]);
  if (a.width !== b.width || a.height !== b.height) throw new Error(`${adversarial}: size differs from ${original}`);
  const px = Buffer.alloc(a.data.length);
  for (let i = 0; i < px.length; i++) px[i] = Math.max(0, Math.min(255, Math.round(127.5 + gain * (b.data[i]! - a.data[i]!))));
  await sharp(px, { raw: { width: a.width, height: a.height, channels: 3 } }).png().toFile(out);
}

const ROLES: Array<[ImageRole, string]> = [
  ['original', 'original'],
  ['adversarial', 'adversarial'],
  ['reconClean', 'reconstruction of the original'],
  ['reconAdversarial', 'reconstruction of the adversarial'],
  ['perturbation', `perturbation ×${PERTURBATION_GAIN}`],
];

export interface GalleryEntry {
  row: ResultRow;
  why: string;
  /** Role → path relative to the report folder. */
  images: Array<{ role: ImageRole; caption: string; rel: string }>;
}

/** Copies (as PNG) the stored images of the given rows into `<dir>/gallery/`, deriving the amplified perturbation when missing. */
export async function buildGallery(dir: string, picks: Array<{ row: ResultRow; why: string }>): Promise<GalleryEntry[]> {
  const entries: GalleryEntry[] = [];
  for (const { row, why } of picks) {
    const sub = join('gallery', row.key.slice(0, 16));
    mkdirSync(join(dir, sub), { recursive: true });
    const images: GalleryEntry['images'] = [];
    for (const [role, caption] of ROLES) {
      const src = row.images[role];
      const rel = join(sub, `${role}.png`);
      if (src && existsSync(src)) await sharp(src).png().toFile(join(dir, rel));
      else if (role === 'perturbation' && row.images.original && row.images.adversarial && existsSync(row.images.original) && existsSync(row.images.adversarial))
        await amplifiedPerturbation(row.images.original, row.images.adversarial, join(dir, rel));
      else continue;
      images.push({ role, caption, rel });
    }
    entries.push({ row, why, images });
  }
  return entries;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function galleryHtml(title: string, summary: string, charts: string[], entries: GalleryEntry[]): string {
  const cards = entries
    .map(
      (e) => `<section><h2>${esc(e.why)}</h2><p>${esc(describeRow(e.row))}: PSNR ${e.row.psnrClean.toFixed(2)} → ${e.row.psnrAttacked.toFixed(2)} dB
(drop ${(e.row.relPsnrDrop * 100).toFixed(2)} %), bpp ${e.row.bppClean.toFixed(3)} → ${e.row.bppAttacked.toFixed(3)} (${e.row.bppRatio.toFixed(2)}x)</p>
<div class="row">${e.images.map((i) => `<figure><img src="${esc(i.rel)}" alt="${esc(i.caption)}"><figcaption>${esc(i.caption)}</figcaption></figure>`).join('')}</div>
${e.images.length === 0 ? '<p><em>no images were stored for this job</em></p>' : ''}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto}figure{display:inline-block;margin:4px}
img{max-width:220px;image-rendering:pixelated;border:1px solid #ccc}.row{display:flex;flex-wrap:wrap}</style></head>
<body><h1>${esc(title)}</h1><p>${esc(summary)}</p>
${charts.map((c) => `<img src="${esc(c)}" alt="${esc(c)}" style="max-width:48%">`).join('\n')}
${cards}
</body></html>
`;
}
