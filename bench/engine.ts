/**
 * Engine benchmark: conv forward / input-gradient / filter-gradient GFLOP/s on 'ort' (also as
 * fractions of an in-process MatMul peak, and on the previous transpose graphs) and 'cpu', and
 * seconds per attack step (forward + input gradient) through a scale-hyperprior stack.
 * Run: node --import tsx bench/engine.ts [--quick]. Prints one JSON document; the attack step
 * is also timed in a child with the CLI's malloc settings (below).
 * The CLI (bin/advlic.js) runs with glibc's malloc settings MALLOC_MMAP_MAX_=0
 * MALLOC_TRIM_THRESHOLD_=17179869184 (ORT's large buffers otherwise page-fault on every run); to
 * time as the CLI runs, prefix the command with them:
 *   MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 node --import tsx bench/engine.ts --quick
 */
import { engineInfo, initEngine, tf } from '../src/engine/index.js';
import { gdn as fusedGdn } from '../src/engine/ops/gdn.js';
import { thresholds } from '../src/engine/ort/thresholds.js';
import { sessionCount } from '../src/engine/ort/runtime.js';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
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

interface Rate { median: number; best: number; sPerCall: number }

/**
 * The machine's arithmetic reference measured in this process: a 2048³ MatMul in ORT (MLAS
 * SGEMM), GFLOP/s. Conv numbers are also given as fractions of it, which stay comparable when
 * other jobs share the machine.
 */
function peakKernel(): { flops: number; run: () => void; dispose: () => void } {
  const n = 2048;
  const a = tf.randomUniform([1, n, n], -1, 1, 'float32', 11);
  const b = tf.randomUniform([1, n, n], -1, 1, 'float32', 12);
  return {
    flops: 2 * n * n * n,
    run: () => run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }).dispose(),
    dispose: () => tf.dispose([a, b]),
  };
}

/**
 * GFLOP/s (median, best) of the three conv kernels on x [1, h, w, 128], 5x5 s2 128→128, with
 * the peak MatMul timed in the same rounds (each round: peak, forward, input and filter gradient).
 */
function convBench(h: number, w: number, reps: number, withPeak: boolean): Record<string, Rate> {
  const xShape: [number, number, number, number] = [1, h, w, 128];
  const fShape: [number, number, number, number] = [5, 5, 128, 128];
  const x = tf.randomUniform(xShape, -1, 1, 'float32', 1);
  const f = tf.randomUniform(fShape, -0.1, 0.1, 'float32', 2);
  const dy = tf.randomUniform([1, h / 2, w / 2, 128], -1, 1, 'float32', 3);
  const flops = 2 * (h / 2) * (w / 2) * 128 * 128 * 25;
  const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const peak = withPeak ? peakKernel() : undefined;
  const kernels: Record<string, { flops: number; run: () => void }> = {
    ...(peak ? { peak } : {}),
    forward: { flops, run: () => run('Conv2D', { x, filter: f }, attrs).dispose() },
    inputGradient: { flops, run: () => run('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: xShape }).dispose() },
    filterGradient: { flops, run: () => run('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape }).dispose() },
  };
  const times: Record<string, number[]> = {};
  for (let r = -1; r < reps; r++) {
    for (const [name, k] of Object.entries(kernels)) {
      const t0 = performance.now();
      k.run();
      if (r >= 0) (times[name] ??= []).push((performance.now() - t0) / 1000); // round -1: warm-up
    }
  }
  const out: Record<string, Rate> = {};
  for (const [name, k] of Object.entries(kernels)) {
    const t = [...times[name]!].sort((p, q) => p - q);
    const median = t[Math.floor(t.length / 2)]!;
    out[name] = { median: round(k.flops / median / 1e9), best: round(k.flops / t[0]! / 1e9), sPerCall: round(median) };
  }
  peak?.dispose();
  tf.dispose([x, f, dy]);
  return out;
}

/** Each conv kernel's median GFLOP/s as a fraction of the same run's peak median. */
function fractions(r: Record<string, Rate>): Record<string, number> {
  const p = r.peak!.median;
  return Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'peak').map(([k, v]) => [k, round(v.median / p)]));
}

function attackBench(gdnFn: GdnFn, h: number, w: number, reps: number): Timing {
  return attackAB({ only: { gdnFn } }, h, w, reps).only!;
}

interface Variant { gdnFn: GdnFn; setup?: () => void; teardown?: () => void }

/** Attack-step timings of several variants, alternated round by round in this process (warm-up first). */
function attackAB(variants: Record<string, Variant>, h: number, w: number, reps: number): Record<string, Timing> {
  const stack = makeStack();
  const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
  const times: Record<string, number[]> = {};
  for (let r = -1; r < reps; r++) {
    for (const [name, v] of Object.entries(variants)) {
      v.setup?.();
      try {
        const grad = tf.grad((t: tf.Tensor) => attackLoss(stack, t as tf.Tensor4D, v.gdnFn));
        const t0 = performance.now();
        tf.tidy(() => grad(x)).dispose();
        if (r >= 0) (times[name] ??= []).push((performance.now() - t0) / 1000);
      } finally {
        v.teardown?.();
      }
    }
  }
  x.dispose();
  return Object.fromEntries(Object.entries(times).map(([k, t]) => {
    t.sort((a, b) => a - b);
    return [k, { median: round(t[Math.floor(t.length / 2)]!), min: round(t[0]!), reps }];
  }));
}

/**
 * This session's engine against the previous one in the same process: GDN on whole tensors
 * instead of ~1 MB row chunks, forward convs on whole tensors instead of row bands, bias-gradient
 * sums through a float64 copy.
 */
function previousVsCurrent(reps: number): Record<string, Timing | number> {
  const previous: Variant = {
    gdnFn: fusedGdn,
    setup: () => Object.assign(thresholds, { chunkElements: Infinity, bandElements: Infinity, groupedSums: false }),
    teardown: () => Object.assign(thresholds, { chunkElements: DEFAULTS.chunkElements, bandElements: DEFAULTS.bandElements, groupedSums: DEFAULTS.groupedSums }),
  };
  const r = attackAB({ current: { gdnFn: fusedGdn }, previous }, 512, 768, reps);
  return { ...r, speedup: round(r.previous!.median / r.current!.median) };
}

const DEFAULTS = { ...thresholds };

const round = (v: number): number => Math.round(v * 1000) / 1000;

const plainGdn: GdnFn = (x, beta, gamma, inverse) => {
  const [b, h, w, c] = x.shape;
  const norm = tf.add(tf.matMul(tf.reshape(tf.square(x), [b * h * w, c]), gamma, false, true), beta);
  return tf.mul(x, tf.reshape(inverse ? tf.sqrt(norm) : tf.rsqrt(norm), [b, h, w, c]));
};

/** OS threads of this process (Linux), or null. */
function processThreads(): number | null {
  try {
    const m = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Runs f on the previous conv graphs (plain ORT Conv with NHWC↔NCHW transposes). */
function withPlainConvs<T>(f: () => T): T {
  thresholds.nchwc = false;
  try {
    return f();
  } finally {
    thresholds.nchwc = true;
  }
}

/**
 * glibc serves allocations over 32 MB by mmap and unmaps them on free, so every full-resolution
 * intermediate inside ORT (its arena is off: one per session would hold each session's peak)
 * page-faults afresh on each run. MALLOC_MMAP_MAX_=0 keeps them in the reused heap; glibc reads
 * it at start-up only, hence a child process (this script with --attack-only).
 */
function mallocNoMmapAttack(): (Record<string, Timing | number> & { env: string }) | null {
  if (process.platform !== 'linux' || process.env.MALLOC_MMAP_MAX_ !== undefined) return null;
  const env = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: String(2 ** 34) };
  const args = [...process.execArgv, process.argv[1]!, '--attack-only', ...(quick ? ['--quick'] : [])];
  const r = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`attack child failed: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as Record<string, Timing | number>), env: 'MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2^34' };
}

async function main(): Promise<void> {
  if (process.argv.includes('--attack-only')) {
    if ((await initEngine({ engine: 'ort' })).name !== 'ort') throw new Error('ORT engine did not load');
    process.stdout.write(JSON.stringify(previousVsCurrent(quick ? 2 : 3)) + '\n');
    return;
  }
  const result: Record<string, unknown> = { date: new Date().toISOString() };
  const ort = await initEngine({ engine: 'ort' });
  if (ort.name !== 'ort') throw new Error('ORT engine did not load');
  result.threads = engineInfo().threads;
  const reps = quick ? 3 : 7;
  const ortConv = convBench(384, 256, reps, true);
  const plainConv = withPlainConvs(() => convBench(384, 256, reps, true));
  const { peak, ...ortKernels } = ortConv;
  result.peak = { what: 'ORT MatMul 2048x2048x2048 (MLAS SGEMM), GFLOP/s, timed in the same rounds as the convs', ...peak };
  result.conv = {
    shape: 'x 1x384x256x128, 5x5, stride 2, 128->128, same',
    ort: ortKernels,
    fractionOfPeak: fractions(ortConv),
    ortPlainTransposes: { ...plainConv, fractionOfPeak: fractions(plainConv) },
  };
  process.stderr.write(`conv ort: ${JSON.stringify(result.conv)}\n`);
  const attackReps = quick ? 1 : 3;
  result.attackStep = {
    shape: 'scale hyperprior N=128 M=192, image 512x768, forward + input gradient, seconds',
    // Alternated in this process: the current engine and the previous one (whole-tensor GDN and convs).
    currentVsPrevious: previousVsCurrent(quick ? 2 : 3),
    ortFusedGdn: attackBench(fusedGdn, 512, 768, attackReps),
    ortFusedGdnTransposeConvs: withPlainConvs(() => attackBench(fusedGdn, 512, 768, attackReps)),
    ortPlainGdn: attackBench(plainGdn, 512, 768, attackReps),
    // The same A/B in a child with glibc's mmap threshold off (as bin/advlic.js runs the CLI).
    currentVsPreviousMallocNoMmap: mallocNoMmapAttack(),
  };
  process.stderr.write(`attack: ${JSON.stringify(result.attackStep)}\n`);
  // Each cached ORT session owns an intra-op pool (onnxruntime-node's binding creates its
  // environment without global thread pools); with spinning off, idle pools cost no CPU.
  result.ortSessions = sessionCount();
  result.processThreads = processThreads();
  await initEngine({ engine: 'cpu' });
  // The JS kernels take seconds to minutes per call at full size: measure a 1/64 slice, once.
  const cpuConv = convBench(48, 32, 1, false);
  (result.conv as Record<string, unknown>).cpu = { ...cpuConv, note: 'measured on 1x48x32x128 (same kernel, 1/64 of the work), 1 rep' };
  (result.conv as Record<string, unknown>).ratioOrtOverCpu = Object.fromEntries(
    Object.keys(cpuConv).map((k) => [k, round(ortConv[k]!.median / cpuConv[k]!.median)]),
  );
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

await main();
