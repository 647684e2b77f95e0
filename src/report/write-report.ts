import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { attackComparison, cellTable, configLabel, epsLabel, qualityEffect, vulnerabilityRanking, worstCase } from './aggregate.js';
import { barChart, lineChart, renderSvg, svgToPng } from './charts.js';
import { attackColumns, cellColumns, modelColumns, qualityColumns } from './columns.js';
import { buildGallery, galleryHtml } from './gallery.js';
import { loadFailures, loadResults, type ResultRow } from './load.js';
import { toCsv, toJsonRecords, toMarkdown, type Column } from './tables.js';

export interface ReportOptions {
  title?: string;
  /** Worst cases shown in the gallery (each by PSNR drop and by bpp ratio). */
  galleryCount?: number;
  /** Also write PNG next to every SVG. */
  png?: boolean;
}

export interface ReportSummary {
  jobs: number;
  failed: number;
  worst?: { relPsnrDrop: number; bppRatio: number; sentence: string; byDropKey: string; byBppRatioKey: string };
  files: string[];
}

/** Writes one table as <name>.md, .csv and .json; returns the Markdown. */
export function writeTable<R>(dir: string, name: string, columns: readonly Column<R>[], rows: readonly R[], files: string[]): string {
  const md = toMarkdown(columns, rows);
  writeFileSync(join(dir, `${name}.md`), md);
  writeFileSync(join(dir, `${name}.csv`), toCsv(columns, rows));
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(toJsonRecords(columns, rows), null, 2) + '\n');
  files.push(`${name}.md`, `${name}.csv`, `${name}.json`);
  return md;
}

export async function writeChart(dir: string, name: string, spec: Parameters<typeof renderSvg>[0], png: boolean, files: string[]): Promise<string> {
  const svg = await renderSvg(spec);
  writeFileSync(join(dir, `${name}.svg`), svg);
  files.push(`${name}.svg`);
  if (png) {
    writeFileSync(join(dir, `${name}.png`), await svgToPng(svg));
    files.push(`${name}.png`);
  }
  return `${name}.svg`;
}

/** `advlic report --db`: tables (Markdown/CSV/JSON), charts (SVG/PNG), a summary and an HTML gallery. */
export async function writeReport(dbPath: string, dir: string, opts: ReportOptions = {}): Promise<ReportSummary> {
  const rows = loadResults(dbPath);
  const failures = loadFailures(dbPath);
  if (rows.length === 0) throw new StoreError(`${dbPath}: no finished jobs to report (${failures.length} failed)`);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const title = opts.title ?? 'advlic grid report';

  const cells = cellTable(rows);
  const models = vulnerabilityRanking(rows);
  const quality = qualityEffect(rows);
  const attacks = attackComparison(rows);
  const worst = worstCase(rows)!;

  const md = {
    cells: writeTable(dir, 'cells', cellColumns, cells, files),
    models: writeTable(dir, 'models', modelColumns, models, files),
    quality: writeTable(dir, 'quality', qualityColumns, quality, files),
    attacks: writeTable(dir, 'attacks', attackColumns, attacks, files),
  };

  const png = opts.png ?? true;
  const charts = [
    await writeChart(dir, 'vulnerability', barChart(models.map((m) => ({ model: m.model, drop: m.meanDrop })), {
      x: 'model', y: 'drop', title: 'Vulnerability: mean relative PSNR drop by model', xTitle: 'model', yTitle: 'mean relative PSNR drop', format: '.0%',
    }), png, files),
    await writeChart(dir, 'quality', lineChart(quality.map((q) => ({ model: q.model, quality: q.quality ?? 0, drop: q.meanDrop })), {
      x: 'quality', y: 'drop', color: 'model', title: 'Effect of the quality level', xTitle: 'quality', yTitle: 'mean relative PSNR drop', yFormat: '.0%', xType: 'ordinal',
    }), png, files),
    await writeChart(dir, 'attacks', lineChart(attacks.map((a) => ({ attack: a.attack, goal: a.goal, eps: a.eps * 255, drop: a.meanDrop })), {
      x: 'eps', y: 'drop', color: 'attack', dash: 'goal', title: 'Attacks: PSNR drop vs budget', xTitle: 'eps (×1/255)', yTitle: 'mean relative PSNR drop', yFormat: '.0%',
    }), png, files),
    await writeChart(dir, 'bpp', lineChart(attacks.map((a) => ({ attack: a.attack, goal: a.goal, eps: a.eps * 255, ratio: a.meanBppRatio })), {
      x: 'eps', y: 'ratio', color: 'attack', dash: 'goal', title: 'Attacks: bpp ratio vs budget', xTitle: 'eps (×1/255)', yTitle: 'mean bpp ratio',
    }), png, files),
  ];

  const picks = worstPicks(rows, opts.galleryCount ?? 3);
  const gallery = await buildGallery(dir, picks);
  writeFileSync(join(dir, 'index.html'), galleryHtml(title, worst.sentence, charts, gallery));
  files.push('index.html');

  const summary: ReportSummary = {
    jobs: rows.length,
    failed: failures.length,
    worst: { relPsnrDrop: worst.byDrop.relPsnrDrop, bppRatio: worst.byBppRatio.bppRatio, sentence: worst.sentence, byDropKey: worst.byDrop.key, byBppRatioKey: worst.byBppRatio.key },
    files,
  };
  const text = [
    `# ${title}`,
    '',
    `${rows.length} finished jobs from \`${dbPath}\`${failures.length ? `, ${failures.length} failed (see failures below)` : ''}; ` +
      `${new Set(rows.map((r) => configLabel(r.model, r.quality))).size} model configurations, attacks ${[...new Set(rows.map((r) => r.attack))].join(', ')}, ` +
      `budgets ${[...new Set(rows.map((r) => r.eps))].sort((a, b) => a - b).map(epsLabel).join(', ')}.`,
    '',
    `**Summary.** ${worst.sentence}`,
    '',
    '## Vulnerability ranking of models', '', md.models, `![vulnerability](vulnerability.svg)`, '',
    '## Effect of the quality level', '', md.quality, `![quality](quality.svg)`, '',
    '## Attack comparison', '', md.attacks, `![attacks](attacks.svg) ![bpp](bpp.svg)`, '',
    '## Per model, quality, attack, goal and budget', '', md.cells,
    ...(failures.length ? ['## Failures', '', ...failures.slice(0, 50).map((f) => `- ${configLabel(f.model, f.quality)} ${f.attack} ${f.goal} ${epsLabel(f.eps)} ${f.image}: ${f.error ?? ''}`), ''] : []),
    'Relative PSNR drop = (PSNR_clean − PSNR_attacked) / PSNR_clean; bpp ratio = bpp_attacked / bpp_clean, both against the original image.',
  ].join('\n');
  writeFileSync(join(dir, 'report.md'), text + '\n');
  files.push('report.md');
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ ...summary, models: toJsonRecords(modelColumns, models) }, null, 2) + '\n');
  files.push('summary.json');
  return summary;
}

/** The worst rows by PSNR drop and by bpp ratio, without repeats. */
function worstPicks(rows: readonly ResultRow[], n: number): Array<{ row: ResultRow; why: string }> {
  const seen = new Set<string>();
  const picks: Array<{ row: ResultRow; why: string }> = [];
  const add = (sorted: ResultRow[], why: (i: number) => string) =>
    sorted.slice(0, n).forEach((row, i) => {
      if (!seen.has(row.key)) picks.push({ row, why: why(i) }), seen.add(row.key);
    });
  add([...rows].sort((a, b) => b.relPsnrDrop - a.relPsnrDrop), (i) => `#${i + 1} PSNR drop`);
  add([...rows].sort((a, b) => b.bppRatio - a.bppRatio), (i) => `#${i + 1} bpp ratio`);
  return picks;
}
