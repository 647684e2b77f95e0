/**
 * The 3-output-channel layers of a scale hyperprior on a 512x768 image: the synthesis
 * transform's last layer (5x5 stride-2 transposed conv 128→3 + bias, 256x384 → 512x768) and the
 * input gradient of the analysis transform's first conv (3→128, the same transposed conv
 * without bias), on the blocked-conv path (polyphase NCHWc) against one GEMM + col2im
 * (src/engine/ort/kernels/col2im.ts; JS col2im, GEMM on bands of 4k or 16k dy pixels, or
 * whole) and against ORT's own Col2Im op. Variants alternate round by round in one process: on
 * a shared machine only the same-run ratios mean anything. Also times the first conv's forward
 * (3→128, K = 75).
 * Run: ADVLIC_THREADS=2 node --import tsx bench/three-channel.ts [--reps 15] [--train] [--attack 3]
 * --train: the training shapes instead (N=64, a batch of 8 128x128 crops). --attack R: instead,
 * R alternated attack steps (bench/hyperprior-stack.ts, 512x768) with and without the col2im path.
 */
import { parseArgs } from 'node:util';
import { initEngine, tf } from '../src/engine/index.js';
import { conv2dBias, conv2dTransposeBias } from '../src/engine/ops/conv.js';
import { col2imSettings } from '../src/engine/ort/kernels/col2im.js';
import { GraphBuilder } from '../src/engine/ort/onnx.js';
import { runGraph } from '../src/engine/ort/runtime.js';
import { attackStep } from './hyperprior-stack.js';

const { values: a } = parseArgs({
  options: { reps: { type: 'string', default: '15' }, train: { type: 'boolean', default: false }, attack: { type: 'string' } },
});
const reps = Number(a.reps);

if ((await initEngine({ engine: 'ort' })).name !== 'ort') throw new Error('ORT engine did not load');
if (a.attack) {
  attackAB(Number(a.attack));
  process.exit(0);
}

/** Attack steps (forward + input gradient) alternated with the col2im path on and off. */
function attackAB(rounds: number): void {
  const { step } = attackStep();
  const t: Record<string, number[]> = { col2im: [], blocked: [] };
  for (let r = -1; r < rounds; r++) {
    for (const [name, enabled] of [['col2im', true], ['blocked', false]] as const) {
      col2imSettings.enabled = enabled;
      const t0 = performance.now();
      step();
      if (r >= 0) t[name]!.push((performance.now() - t0) / 1000);
    }
  }
  col2imSettings.enabled = true;
  const stat = (v: number[]): { median: number; min: number } => {
    const s = [...v].sort((p, q) => p - q);
    return { median: Math.round(s[Math.floor(s.length / 2)]! * 1000) / 1000, min: Math.round(s[0]! * 1000) / 1000 };
  };
  const [c, b] = [stat(t.col2im!), stat(t.blocked!)];
  process.stdout.write(JSON.stringify({
    date: new Date().toISOString(), what: 'attack step, scale hyperprior N=128 M=192, 512x768, seconds', rounds,
    col2im: c, blocked: b, speedupMedian: Math.round((b.median / c.median) * 1000) / 1000,
  }, null, 2) + '\n');
}

const [B, H, W, N] = a.train ? [8, 128, 128, 64] : [1, 512, 768, 128];
const dyShape: [number, number, number, number] = [B, H / 2, W / 2, N];
const xShape: [number, number, number, number] = [B, H, W, 3];
const dy = tf.randomUniform(dyShape, -1, 1, 'float32', 1) as tf.Tensor4D;
const filter = tf.randomUniform([5, 5, 3, N], -0.05, 0.05, 'float32', 2) as tf.Tensor4D;
const bias = tf.randomUniform([3], -0.1, 0.1, 'float32', 3) as tf.Tensor1D;
const x = tf.randomUniform(xShape, 0, 1, 'float32', 4) as tf.Tensor4D;
const fwdBias = tf.randomUniform([N], -0.1, 0.1, 'float32', 5) as tf.Tensor1D;
const flops = 2 * B * (H / 2) * (W / 2) * N * 3 * 25;

/**
 * ORT's Col2Im (ONNX opset 18): Gemm → [3·25, pixels] columns (channel-major rows), Col2Im to
 * NCHW, transpose to NHWC. GraphBuilder writes opset 17 (ReduceSum & co. changed in 18), so
 * this bench-only graph patches its model's ai.onnx opset import to 18.
 */
function ortCol2imGraph(): GraphBuilder {
  const g = new GraphBuilder();
  const d = g.input([dyShape[1] * dyShape[2], N]);
  const w = g.input([5, 5, 3, N]);
  const wr = g.node('Reshape', [g.node('Transpose', [w], { perm: [2, 0, 1, 3] }), g.constInt64([75, N])]);
  const cols = g.node('Gemm', [wr, d], { transB: 1 });
  const c3 = g.node('Reshape', [cols, g.constInt64([1, 75, dyShape[1] * dyShape[2]])]);
  // TF 'same' for 512 → 256 with 5x5 stride 2: pads 1 before, 2 after.
  const img = g.node('Col2Im', [c3, g.constInt64([H, W]), g.constInt64([5, 5])], { strides: [2, 2], pads: [1, 1, 2, 2] });
  g.output(g.node('Transpose', [img], { perm: [0, 2, 3, 1] }), xShape);
  const toModel = g.toModel.bind(g);
  g.toModel = (): Uint8Array => {
    const bytes = toModel();
    // OperatorSetIdProto{domain: '', version: 17} = 42 04 0a 00 10 11 → version 18.
    for (let i = 0; i + 5 < bytes.length; i++) {
      if (bytes[i] === 0x42 && bytes[i + 1] === 4 && bytes[i + 2] === 0x0a && bytes[i + 3] === 0 && bytes[i + 4] === 0x10 && bytes[i + 5] === 17) {
        bytes[i + 5] = 18;
        return bytes;
      }
    }
    throw new Error('opset import not found');
  };
  return g;
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };

const inputGrad = (): tf.Tensor => run('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xShape });
const synthesis = (): tf.Tensor => conv2dTransposeBias(dy, filter, xShape, 2, 'same', bias);
const ortCol2im = (): tf.Tensor => {
  const [out] = runGraph('bench-col2im-ort', ortCol2imGraph, [
    { data: dy.dataSync() as Float32Array, shape: [dyShape[1] * dyShape[2], N] },
    { data: filter.dataSync() as Float32Array, shape: [5, 5, 3, N] },
  ], [xShape]);
  return tf.tensor4d(out!, xShape);
};

type Setting = { enabled: boolean; bandPixels: number };
const DEFAULT: Setting = { enabled: col2imSettings.enabled, bandPixels: col2imSettings.bandPixels };
const variants: Record<string, { setting: Setting; f: () => tf.Tensor; flops: number }> = {
  inputGradBlocked: { setting: { enabled: false, bandPixels: DEFAULT.bandPixels }, f: inputGrad, flops },
  inputGradCol2im: { setting: { enabled: true, bandPixels: DEFAULT.bandPixels }, f: inputGrad, flops },
  inputGradCol2imBand16k: { setting: { enabled: true, bandPixels: 16384 }, f: inputGrad, flops },
  inputGradCol2imWhole: { setting: { enabled: true, bandPixels: Infinity }, f: inputGrad, flops },
  ...(B === 1 ? { inputGradOrtCol2imOp: { setting: DEFAULT, f: ortCol2im, flops } } : {}),
  synthesisBlocked: { setting: { enabled: false, bandPixels: DEFAULT.bandPixels }, f: synthesis, flops },
  synthesisCol2im: { setting: { enabled: true, bandPixels: DEFAULT.bandPixels }, f: synthesis, flops },
  firstConvForward: { setting: DEFAULT, f: () => conv2dBias(x, filter, fwdBias, 2, 'same'), flops },
};

/** Largest |a − b| over max |a|. */
function relDiff(p: () => tf.Tensor, q: () => tf.Tensor, sp: Setting, sq: Setting): number {
  Object.assign(col2imSettings, sp);
  const ta = p();
  Object.assign(col2imSettings, sq);
  const tb = q();
  const [va, vb] = [ta.dataSync(), tb.dataSync()];
  let scale = 0;
  let err = 0;
  for (let i = 0; i < va.length; i++) {
    scale = Math.max(scale, Math.abs(va[i]!));
    err = Math.max(err, Math.abs(va[i]! - vb[i]!));
  }
  tf.dispose([ta, tb]);
  Object.assign(col2imSettings, DEFAULT);
  return err / scale;
}

const times: Record<string, number[]> = {};
for (let r = -1; r < reps; r++) {
  for (const [name, v] of Object.entries(variants)) {
    Object.assign(col2imSettings, v.setting);
    const t0 = performance.now();
    v.f().dispose();
    if (r >= 0) (times[name] ??= []).push(performance.now() - t0);
  }
}
Object.assign(col2imSettings, DEFAULT);

const round = (v: number, d = 3): number => Math.round(v * 10 ** d) / 10 ** d;
const result: Record<string, unknown> = {
  date: new Date().toISOString(),
  shapes: `dy ${dyShape.join('x')}, filter 5x5x3x${N}, dx ${xShape.join('x')} (stride 2, same); forward x ${xShape.join('x')} → ${dyShape.join('x')}`,
  reps,
};
const med: Record<string, number> = {};
for (const [name, t] of Object.entries(times)) {
  t.sort((p, q) => p - q);
  med[name] = t[Math.floor(t.length / 2)]!;
  result[name] = { medianMs: round(med[name]!, 1), bestMs: round(t[0]!, 1), gflops: round(variants[name]!.flops / med[name]! / 1e6, 1) };
}
result.ratios = {
  inputGradCol2imOverBlocked: round(med.inputGradBlocked! / med.inputGradCol2im!),
  inputGradCol2imBand16kOverBlocked: round(med.inputGradBlocked! / med.inputGradCol2imBand16k!),
  inputGradCol2imWholeOverBlocked: round(med.inputGradBlocked! / med.inputGradCol2imWhole!),
  ...(B === 1 ? { inputGradOrtCol2imOpOverBlocked: round(med.inputGradBlocked! / med.inputGradOrtCol2imOp!) } : {}),
  synthesisCol2imOverBlocked: round(med.synthesisBlocked! / med.synthesisCol2im!),
};
const off = { enabled: false, bandPixels: DEFAULT.bandPixels };
const on = { enabled: true, bandPixels: DEFAULT.bandPixels };
result.maxRelDiff = {
  inputGradCol2imVsBlocked: relDiff(inputGrad, inputGrad, off, on),
  ...(B === 1 ? { inputGradOrtCol2imOpVsBlocked: relDiff(inputGrad, ortCol2im, off, on) } : {}),
  synthesisCol2imVsBlocked: relDiff(synthesis, synthesis, off, on),
};
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
tf.dispose([dy, filter, bias, x, fwdBias]);
