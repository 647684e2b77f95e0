import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { initEngine } from '../../engine/index.js';
import { UsageError } from '../../errors.js';
import { readImage } from '../../image/read.js';
import { bppFromBytes } from '../../metrics/bpp.js';
import { resolveCodec, type ResolveOptions } from '../../codec/resolve.js';
import type { Codec } from '../../codec/types.js';
import { classicalFromSpec } from '../../report/rd-classical.js';

/** Options every --model-taking command shares: the spec plus overrides for bare weights files. */
export interface ModelFlags {
  arch?: string;
  quality?: string;
  weightsDir?: string;
}

export function resolveOptionsFrom(flags: ModelFlags): ResolveOptions {
  const out: ResolveOptions = {};
  if (flags.arch) out.arch = flags.arch;
  if (flags.weightsDir) out.weightsDir = flags.weightsDir;
  if (flags.quality !== undefined) {
    const q = Number(flags.quality);
    if (!Number.isInteger(q) || q < 1 || q > 8) throw new UsageError(`--quality must be an integer 1..8, got '${flags.quality}'`);
    out.quality = q;
  }
  return out;
}

/** commander collector: `--model a --model b,c` → ['a', 'b', 'c']. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** Any codec spec: classical (also while src/classical/registry is absent) or learned. */
export async function openCodec(spec: string, flags: ModelFlags): Promise<Codec> {
  return (await classicalFromSpec(spec)) ?? (await resolveCodec(spec, resolveOptionsFrom(flags)));
}

export function addModelFlags(cmd: Command): Command {
  return cmd
    .option('--arch <arch>', 'architecture of a bare weights file whose keys do not tell it')
    .option('--quality <q>', 'quality label (1..8) of a weights file without a manifest')
    .option('--weights-dir <dir>', 'folder of shipped weights (default: the package weights/ or ADVLIC_WEIGHTS_DIR)');
}

export interface CompressResult {
  input: string;
  output: string;
  codec: string;
  width: number;
  height: number;
  bytes: number;
  bpp: number;
  encodeMs: number;
}

export function register(program: Command, ctx: () => CliContext): void {
  addModelFlags(
    program
      .command('compress')
      .description('compress an image into an .alic bitstream with a learned model (or a classical codec file)')
      .argument('<image>', 'input image (PNG, JPEG, ...)')
      .requiredOption('--model <spec>', 'shipped name (bmshj2018-hyperprior@3), weights file, or classical spec (jpeg@75)')
      .requiredOption('-o, --output <file>', 'output bitstream'),
  ).action(async (input: string, opts: ModelFlags & { model: string; output: string }) => {
    const c = ctx();
    await initEngine({ engine: c.engine });
    const img = await readImage(input, { warn: (m) => c.log(m) });
    const codec = await openCodec(opts.model, opts);
    try {
      const t0 = performance.now();
      const bytes = await codec.compress(img);
      const encodeMs = performance.now() - t0;
      await writeFile(opts.output, bytes);
      const result: CompressResult = {
        input,
        output: opts.output,
        codec: codec.id,
        width: img.width,
        height: img.height,
        bytes: bytes.length,
        bpp: bppFromBytes(bytes, img.width, img.height),
        encodeMs,
      };
      c.print(result, () => `${input} → ${opts.output}: ${result.bytes} bytes, ${result.bpp.toFixed(4)} bpp (${codec.id}, ${encodeMs.toFixed(0)} ms)`);
    } finally {
      codec.dispose?.();
    }
  });
}
