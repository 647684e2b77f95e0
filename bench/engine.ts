/**
 * Engine benchmark: conv forward / input-gradient / filter-gradient GFLOP/s on 'ort' and 'cpu',
 * and seconds per attack step (forward + input gradient) through a scale-hyperprior stack.
 * Run: node --import tsx bench/engine.ts [--quick]. Prints one JSON document.
 */
import { engineInfo, initEngine, tf } from '../src/engine/index.js';
import { gdn as fusedGdn } from '../src/engine/ops/gdn.js';
import { attackLoss, makeStack, type GdnFn } from './hyperprior-stack.js';

const quick = process.argv.includes('--quick');

interface Timing { median: number; min: number; reps: number }

function time(reps: number, f: () => void): Timing {
  f(); // warm-up: session creation, pool fill
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    t.push((performance.now() - t0) / 1000);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(t.length / 2)], min: t[0], reps };
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

/** GFLOP/s (median, best) of the three conv kernels on x [1, h, w, 128], 5x5 s2 128→128. */
function convBench(h: number, w: number, reps: number): Record<string, { median: number; best: number; sPerCall: number }> {
  const xShape: [number, number, number, number] = [1, h, w, 128];
  const fShape: [number, number, number, number] = [5, 5, 128, 128];
  const x = tf.randomUniform(xShape, -1, 1, 'float32', 1);
  const f = tf.randomUniform(fShape, -0.1, 0.1, 'float32', 2);
  const dy = tf.randomUniform([1, h / 2, w / 2, 128], -1, 1, 'float32', 3);
  const flops = 2 * (h / 2) * (w / 2) * 128 * 128 * 25;
  const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const kernels: Record<string, () => tf.Tensor> = {
    forward: () => run('Conv2D', { x, filter: f }, attrs),
    inputGradient: () => run('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: xShape }),
    filterGradient: () => run('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape }),
  };
  const out: Record<string, { median: number; best: number; sPerCall: number }> = {};
  for (const [name, k] of Object.entries(kernels)) {
    const t = time(reps, () => k().dispose());
    out[name] = { median: round(flops / t.median / 1e9), best: round(flops / t.min / 1e9), sPerCall: round(t.median) };
  }
  tf.dispose([x, f, dy]);
  return out;
}

function attackBench(gdnFn: GdnFn, h: number, w: number, reps: number): Timing {
  const stack = makeStack();
  const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
  const grad = tf.grad((t: tf.Tensor) => attackLoss(stack, t as tf.Tensor4D, gdnFn));
  const t = time(reps, () => tf.tidy(() => grad(x)).dispose());
  x.dispose();
  return { median: round(t.median), min: round(t.min), reps };
}

const round = (v: number): number => Math.round(v * 1000) / 1000;

const plainGdn: GdnFn = (x, beta, gamma, inverse) => {
  const [b, h, w, c] = x.shape;
  const norm = tf.add(tf.matMul(tf.reshape(tf.square(x), [b * h * w, c]), gamma, false, true), beta);
  return tf.mul(x, tf.reshape(inverse ? tf.sqrt(norm) : tf.rsqrt(norm), [b, h, w, c]));
};

async function main(): Promise<void> {
  const result: Record<string, unknown> = { date: new Date().toISOString() };
  const ort = await initEngine({ engine: 'ort' });
  if (ort.name !== 'ort') throw new Error('ORT engine did not load');
  result.threads = engineInfo().threads;
  const ortConv = convBench(384, 256, quick ? 2 : 5);
  result.conv = { shape: 'x 1x384x256x128, 5x5, stride 2, 128->128, same', ort: ortConv };
  process.stderr.write(`conv ort: ${JSON.stringify(ortConv)}\n`);
  const reps = quick ? 1 : 3;
  result.attackStep = {
    shape: 'scale hyperprior N=128 M=192, image 512x768, forward + input gradient, seconds',
    ortFusedGdn: attackBench(fusedGdn, 512, 768, reps),
    ortPlainGdn: attackBench(plainGdn, 512, 768, reps),
  };
  process.stderr.write(`attack: ${JSON.stringify(result.attackStep)}\n`);
  await initEngine({ engine: 'cpu' });
  // The JS kernels take seconds to minutes per call at full size: measure a 1/64 slice, once.
  const cpuConv = convBench(48, 32, 1);
  (result.conv as Record<string, unknown>).cpu = { ...cpuConv, note: 'measured on 1x48x32x128 (same kernel, 1/64 of the work), 1 rep' };
  (result.conv as Record<string, unknown>).ratioOrtOverCpu = Object.fromEntries(
    Object.keys(ortConv).map((k) => [k, round(ortConv[k].median / cpuConv[k].median)]),
  );
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

await main();
