import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { initEngine } from '../../engine/index.js';
import { BitstreamError, UnknownModelError } from '../../errors.js';
import { writePng } from '../../image/write.js';
import { decodeContainer } from '../../codec/container.js';
import { listShippedModels } from '../../codec/resolve.js';
import { addModelFlags, openCodec, resolveOptionsFrom, type ModelFlags } from './compress.js';

export interface DecompressResult {
  input: string;
  output: string;
  codec: string;
  width: number;
  height: number;
  decodeMs: number;
}

async function readBitstream(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new BitstreamError(`cannot read bitstream ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The shipped model whose weights hash the container records (its 16-byte sha256 prefix). */
function modelForContainer(bytes: Uint8Array, flags: ModelFlags): string {
  const c = decodeContainer(bytes);
  const prefix = c.weightsHash.slice(0, 32);
  const found = listShippedModels(resolveOptionsFrom(flags)).find((m) => m.manifest.sha256.startsWith(prefix));
  if (!found) {
    throw new UnknownModelError(
      `no shipped model has the weights this bitstream was encoded with (${c.arch} q${c.quality}, sha256 ${prefix.slice(0, 16)}…): pass --model <weights file>`,
    );
  }
  return found.name;
}

export function register(program: Command, ctx: () => CliContext): void {
  addModelFlags(
    program
      .command('decompress')
      .description('decode an .alic bitstream to a PNG (the model is found from the weights hash unless --model is given)')
      .argument('<bitstream>', '.alic file written by `advlic compress`')
      .requiredOption('-o, --output <file>', 'output PNG')
      .option('--model <spec>', 'shipped name or weights file (must be the weights the bitstream was encoded with)'),
  ).action(async (input: string, opts: ModelFlags & { model?: string; output: string }) => {
    const c = ctx();
    await initEngine({ engine: c.engine });
    const bytes = await readBitstream(input);
    const spec = opts.model ?? modelForContainer(bytes, opts);
    const codec = await openCodec(spec, opts);
    try {
      const t0 = performance.now();
      const img = await codec.decompress(bytes);
      const decodeMs = performance.now() - t0;
      await writePng(opts.output, img);
      const result: DecompressResult = { input, output: opts.output, codec: codec.id, width: img.width, height: img.height, decodeMs };
      c.print(result, () => `${input} → ${opts.output}: ${img.width}x${img.height} (${codec.id}, ${decodeMs.toFixed(0)} ms)`);
    } finally {
      codec.dispose?.();
    }
  });
}
