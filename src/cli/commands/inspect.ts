import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { initEngine, tf } from '../../engine/index.js';
import { ImageReadError, ImageShapeError, UsageError } from '../../errors.js';
import { readImage } from '../../image/read.js';
import { imageToTensor } from '../../image/tensor.js';
import { isDifferentiable, type DifferentiableCodec } from '../../codec/types.js';
import { addModelFlags, openCodec, type ModelFlags } from './compress.js';

export interface InspectResult {
  model: string;
  input: string;
  /** NCHW shape of every dumped array. */
  shape: [number, number, number, number];
  dump: string;
  files: string[];
  bits: { y: number | null; z: number | null; total: number; bpp: number; perLatent: Record<string, number> };
  mseSte: number;
}

/** Raw little-endian float32 NCHW, as CompressAI's reference dumps (`--shape 1,3,H,W`). */
async function readRawF32(path: string, shapeArg: string | undefined): Promise<tf.Tensor4D> {
  if (!shapeArg) throw new UsageError(`--shape 1,3,H,W is required for raw input ${path}`);
  const shape = shapeArg.split(',').map(Number);
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1) || shape[1] !== 3) {
    throw new UsageError(`--shape must be N,3,H,W positive integers, got '${shapeArg}'`);
  }
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new ImageReadError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (buf.length !== 4 * n) throw new ImageShapeError(`${path} has ${buf.length} bytes, --shape ${shapeArg} needs ${4 * n}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
  return tf.tidy(() => tf.transpose(tf.tensor4d(data, shape as [number, number, number, number]), [0, 2, 3, 1]));
}

/** NHWC tensor → little-endian float32 bytes in NCHW order. */
function nchwBytes(t: tf.Tensor4D): Buffer {
  const values = tf.tidy(() => tf.transpose(t, [0, 3, 1, 2])).dataSync() as Float32Array;
  const out = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i]!, 4 * i);
  return out;
}

/**
 * The three cross-check quantities: x̂ and the bits of the 'round' forward (CompressAI eval),
 * and ∂ mean((x̂ − x)²)/∂x with straight-through rounding (the usual attack gradient).
 */
export function inspectCodec(codec: DifferentiableCodec, x: tf.Tensor4D): { xHat: tf.Tensor4D; bits: Record<string, number>; grad: tf.Tensor4D; mse: number } {
  const { xHat, bits } = tf.tidy(() => {
    const out = codec.forward(x, 'round');
    return { xHat: out.xHat, bits: out.bits };
  });
  const bitValues: Record<string, number> = {};
  for (const [k, v] of Object.entries(bits)) {
    bitValues[k] = v.dataSync()[0]!;
    v.dispose();
  }
  const lossOf = (input: tf.Tensor4D) => tf.mean(tf.square(tf.sub(codec.forward(input, 'ste').xHat, input))) as tf.Scalar;
  const { value, grad } = tf.tidy(() => {
    const g = tf.valueAndGrad(lossOf)(x);
    return { value: g.value, grad: g.grad as tf.Tensor4D };
  });
  const mse = value.dataSync()[0]!;
  value.dispose();
  return { xHat, bits: bitValues, grad, mse };
}

export function register(program: Command, ctx: () => CliContext): void {
  addModelFlags(
    program
      .command('inspect')
      .description('dump x_hat.f32, bits.json and grad.f32 (NCHW float32 LE) of a learned model, to cross-check with CompressAI')
      .requiredOption('--model <spec>', 'shipped name or weights file')
      .requiredOption('--input <file>', 'image (PNG, ...) or raw float32 NCHW (.f32, needs --shape)')
      .option('--shape <dims>', 'N,3,H,W of a raw .f32 input')
      .requiredOption('--dump <dir>', 'output folder'),
  ).action(async (opts: ModelFlags & { model: string; input: string; shape?: string; dump: string }) => {
    const c = ctx();
    await initEngine({ engine: c.engine });
    const x = opts.input.toLowerCase().endsWith('.f32') ? await readRawF32(opts.input, opts.shape) : imageToTensor(await readImage(opts.input, { warn: (m) => c.log(m) }));
    const codec = await openCodec(opts.model, opts);
    try {
      if (!isDifferentiable(codec)) throw new UsageError(`${codec.id} is not a learned (differentiable) model; inspect needs one`);
      const { xHat, bits, grad, mse } = inspectCodec(codec, x);
      const [n, h, w] = x.shape;
      const pixels = n * h * w;
      const total = Object.values(bits).reduce((a, b) => a + b, 0);
      const bitsDoc = { model: codec.id, y: bits.y ?? null, z: bits.z ?? null, total, bpp: total / pixels, perLatent: bits };
      await mkdir(opts.dump, { recursive: true });
      await writeFile(join(opts.dump, 'x_hat.f32'), nchwBytes(xHat));
      await writeFile(join(opts.dump, 'grad.f32'), nchwBytes(grad));
      await writeFile(join(opts.dump, 'bits.json'), JSON.stringify(bitsDoc, null, 2) + '\n');
      tf.dispose([xHat, grad]);
      const result: InspectResult = {
        model: codec.id,
        input: opts.input,
        shape: [n, 3, h, w],
        dump: opts.dump,
        files: ['x_hat.f32', 'bits.json', 'grad.f32'],
        bits: { y: bitsDoc.y, z: bitsDoc.z, total, bpp: bitsDoc.bpp, perLatent: bits },
        mseSte: mse,
      };
      c.print(result, () => `${codec.id} on ${opts.input} [${result.shape.join(',')}]: ${total.toFixed(1)} bits (${result.bits.bpp.toFixed(4)} bpp), ste mse ${mse.toExponential(4)} → ${opts.dump}/{x_hat.f32,bits.json,grad.f32}`);
    } finally {
      x.dispose();
      codec.dispose?.();
    }
  });
}
