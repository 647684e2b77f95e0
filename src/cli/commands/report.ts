import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../../errors.js';
import { writeComparison } from '../../report/compare.js';
import { writeReport } from '../../report/write-report.js';

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('report')
    .description('tables (Markdown/CSV/JSON), SVG/PNG charts and an HTML gallery from a results store')
    .option('--db <file>', 'SQLite results store written by `advlic grid run`')
    .option('--compare <stores...>', 'two stores side by side (e.g. before/after a defence)')
    .option('--labels <labels...>', 'names of the two compared studies')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--title <text>', 'report title')
    .option('--gallery <n>', 'worst cases per criterion in the HTML gallery', '3')
    .option('--no-png', 'skip PNG copies of the charts')
    .action(async (o: { db?: string; compare?: string[]; labels?: string[]; out: string; title?: string; gallery: string; png: boolean }) => {
      const c = ctx();
      if (o.compare) {
        if (o.compare.length !== 2) throw new UsageError(`--compare expects two stores, got ${o.compare.length}`);
        if (o.labels && o.labels.length !== 2) throw new UsageError(`--labels expects two names, got ${o.labels.length}`);
        const r = await writeComparison(o.compare[0]!, o.compare[1]!, o.out, o.labels as [string, string] | undefined);
        c.print({ ...r, out: o.out }, () => `compared ${r.cells} cells → ${o.out}/compare-report.md`);
        return;
      }
      if (!o.db) throw new UsageError('give --db <store> (or --compare A B)');
      const n = Number(o.gallery);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--gallery expects a non-negative integer, got '${o.gallery}'`);
      const r = await writeReport(o.db, o.out, { title: o.title, galleryCount: n, png: o.png });
      c.print({ ...r, out: o.out }, () => `${r.jobs} jobs${r.failed ? `, ${r.failed} failed` : ''} → ${o.out}/report.md, ${o.out}/index.html\n${r.worst?.sentence ?? ''}`);
    });
}
