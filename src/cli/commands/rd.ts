import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { initEngine } from '../../engine/index.js';
import { UnknownModelError, UsageError } from '../../errors.js';
import { PACKAGE_ROOT } from '../../version.js';
import { readImage } from '../../image/read.js';
import { expandImages } from '../../experiments/images.js';
import { isArchName } from '../../models/registry.js';
import { listShippedModels } from '../../codec/resolve.js';
import { classicalSweep } from '../../report/rd-classical.js';
import { requireClassicalSpecs } from '../../classical/registry.js';
import { runRd, type RdResult, type RdSetting } from '../../report/rd-curves.js';
import { rdCsv, rdMarkdown } from '../../report/rd-tables.js';
import { rdSvg } from '../../report/rd-plot.js';
import { addModelFlags, collectList, openCodec, resolveOptionsFrom, type ModelFlags } from './compress.js';

interface RdOptions extends ModelFlags {
  models: string[];
  codecs: string[];
  data: string;
  limit?: string;
  anchor: string;
  output: string;
}

/** Learned settings: a shipped name or weights file is one point; a bare architecture is all its shipped qualities. */
function learnedSettings(models: readonly string[], flags: ModelFlags): RdSetting[] {
  const out: RdSetting[] = [];
  for (const m of models) {
    if (isArchName(m)) {
      const family = listShippedModels(resolveOptionsFrom(flags))
        .filter((s) => s.manifest.arch === m && s.name === `${m}@${s.manifest.quality}`)
        .sort((a, b) => a.manifest.quality - b.manifest.quality);
      if (!family.length) throw new UnknownModelError(`no shipped weights for ${m} (see \`advlic models list\`); pass names like ${m}@3 or weights files`);
      for (const s of family) out.push({ curve: m, kind: 'learned', spec: s.name });
    } else {
      const shipped = /^([a-z0-9-]+)@\d+(?::([A-Za-z0-9_-]+))?$/.exec(m);
      const curve = shipped ? `${shipped[1]}${shipped[2] ? `:${shipped[2]}` : ''}` : basename(m).replace(/\.(safetensors|pth\.tar|pth|tar|pt)$/, '');
      out.push({ curve, kind: 'learned', spec: m });
    }
  }
  return out;
}

async function classicalSettings(codecs: readonly string[]): Promise<RdSetting[]> {
  // Refuse a codec whose tools are missing now, not after the other curves' minutes of coding.
  await requireClassicalSpecs(codecs);
  const out: RdSetting[] = [];
  for (const c of codecs) {
    const name = c.toLowerCase().split(/[@:]/, 1)[0]!;
    const specs = c.includes('@') ? [c] : await classicalSweep(name);
    for (const spec of specs) out.push({ curve: name, kind: 'classical', spec });
  }
  return out;
}

export function register(program: Command, ctx: () => CliContext): void {
  addModelFlags(
    program
      .command('rd')
      .description('rate–distortion curves (mean bpp, mean PSNR per setting) of learned models and classical codecs, BD-rate vs JPEG, tables + SVG plot')
      .option('--models <list>', 'learned models: shipped names, weights files, or an architecture (= all its shipped qualities)', collectList, [])
      .option('--codecs <list>', 'classical codecs (default quality sweep each) or single specs like jpeg@50', collectList, [])
      .option('--data <dir>', 'image folder (or file)', join(PACKAGE_ROOT, '..', 'shared', 'data', 'kodak'))
      .option('--limit <n>', 'use only the first n images (sorted)')
      .option('--anchor <codec>', 'classical codec every curve is compared against (BD-rate, BD-PSNR)', 'jpeg')
      .requiredOption('-o, --output <dir>', 'output folder: rd.json, rd.csv, rd.md, rd.svg'),
  ).action(async (opts: RdOptions) => {
    const c = ctx();
    if (!opts.models.length && !opts.codecs.length) throw new UsageError('give --models and/or --codecs');
    const limit = opts.limit === undefined ? undefined : Number(opts.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError(`--limit must be a positive integer, got '${opts.limit}'`);
    await initEngine({ engine: c.engine });
    const settings = [...learnedSettings(opts.models, opts), ...(await classicalSettings(opts.codecs))];
    if (!settings.some((s) => s.curve === opts.anchor)) {
      c.log(`advlic: note: adding the anchor ${opts.anchor}'s default sweep for BD-rate`);
      settings.push(...(await classicalSettings([opts.anchor])));
    }
    const files = expandImages([opts.data], process.cwd(), limit).map((r) => r.path);
    const images = [];
    for (const file of files) images.push({ file, img: await readImage(file, { warn: (m) => c.log(m) }) });
    const result: RdResult = await runRd(settings, images, { open: (spec) => openCodec(spec, opts), anchor: opts.anchor, log: (m) => c.log(m) });
    await mkdir(opts.output, { recursive: true });
    const written = { json: join(opts.output, 'rd.json'), csv: join(opts.output, 'rd.csv'), markdown: join(opts.output, 'rd.md'), svg: join(opts.output, 'rd.svg') };
    await writeFile(written.json, JSON.stringify(result, null, 2) + '\n');
    await writeFile(written.csv, rdCsv(result));
    await writeFile(written.markdown, rdMarkdown(result));
    await writeFile(written.svg, await rdSvg(result));
    c.print({ ...result, files: written }, () => `${rdMarkdown(result)}\nwritten: ${Object.values(written).join(', ')}`);
  });
}
