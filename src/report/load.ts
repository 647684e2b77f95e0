import { ResultStore } from '../experiments/store.js';
import type { ImageRole } from '../experiments/job-runner.js';

/** One finished job as the report sees it (the store's `results` view). */
export interface ResultRow {
  key: string;
  model: string;
  quality: number | null;
  attack: string;
  goal: string;
  eps: number;
  image: string;
  seed: number;
  psnrClean: number;
  psnrAttacked: number;
  relPsnrDrop: number;
  bppClean: number;
  bppAttacked: number;
  bppRatio: number;
  linf: number | null;
  wallMs: number | null;
  codeVersion: string;
  images: Partial<Record<ImageRole, string>>;
}

interface ViewRow {
  key: string; model: string; quality: number | null; attack: string; goal: string; eps: number; image: string; seed: number;
  psnr_clean: number; psnr_attacked: number; rel_psnr_drop: number; bpp_clean: number; bpp_attacked: number; bpp_ratio: number;
  linf: number | null; wall_ms: number | null; code_version: string; images: string | null;
}

export function loadResults(dbPath: string): ResultRow[] {
  const db = ResultStore.openReadOnly(dbPath);
  try {
    const rows = db.prepare(`SELECT * FROM results ORDER BY model, quality, attack, goal, eps, image, seed`).all() as ViewRow[];
    return rows.map((r) => ({
      key: r.key, model: r.model, quality: r.quality, attack: r.attack, goal: r.goal, eps: r.eps, image: r.image, seed: r.seed,
      psnrClean: r.psnr_clean, psnrAttacked: r.psnr_attacked, relPsnrDrop: r.rel_psnr_drop,
      bppClean: r.bpp_clean, bppAttacked: r.bpp_attacked, bppRatio: r.bpp_ratio,
      linf: r.linf, wallMs: r.wall_ms, codeVersion: r.code_version,
      images: r.images ? (JSON.parse(r.images) as ResultRow['images']) : {},
    }));
  } finally {
    db.close();
  }
}

/** Counts of failed jobs (shown in the summary so a report never hides them). */
export function loadFailures(dbPath: string): Array<{ model: string; quality: number | null; attack: string; goal: string; eps: number; image: string; error: string | null }> {
  const db = ResultStore.openReadOnly(dbPath);
  try {
    return db.prepare(`SELECT model, quality, attack, goal, eps, image, error FROM jobs WHERE status = 'failed' ORDER BY model, quality`).all() as never;
  } finally {
    db.close();
  }
}
