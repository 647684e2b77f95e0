/**
 * Where an attack step's (and a training step's) time goes, per TF.js kernel: every kernel of
 * the active backend is re-registered with a timer around it. Inclusive times (a kernel that
 * calls other kernels through the engine counts them too; ORT kernels do not).
 * Run: node --import tsx bench/profile.ts [attack|train|model [arch]] [--reps 1] [--by-shape]
 * The CLI (bin/advlic.js) runs with glibc's malloc settings MALLOC_MMAP_MAX_=0
 * MALLOC_TRIM_THRESHOLD_=17179869184 (ORT's large buffers otherwise page-fault on every run); to
 * time as the CLI runs, prefix the command with them:
 *   MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 node --import tsx bench/profile.ts attack
 */
import { parseArgs } from 'node:util';
import { initEngine, tf } from '../src/engine/index.js';
import { attackStep } from './hyperprior-stack.js';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'by-shape': { type: 'boolean', default: false }, reps: { type: 'string', default: '1' }, h: { type: 'string', default: '512' }, w: { type: 'string', default: '768' } },
});
const what = positionals[0] ?? 'attack';
const byShape = a['by-shape'];

interface Stat { calls: number; ms: number }
const stats = new Map<string, Stat>();

/** Wraps every kernel of `backend` with a wall-clock timer keyed by kernel name (+ shape class). */
function instrument(backend: string): void {
  for (const k of tf.getKernelsForBackend(backend)) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const t0 = performance.now();
        const r = inner(args);
        const dt = performance.now() - t0;
        const key = byShape ? `${k.kernelName} ${Object.values(args.inputs).map((t) => `[${t?.shape}]`).join(' ')}` : k.kernelName;
        const s = stats.get(key) ?? { calls: 0, ms: 0 };
        s.calls++;
        s.ms += dt;
        stats.set(key, s);
        return r;
      },
    });
  }
}

await initEngine({ engine: 'ort' });
instrument('ort');
const reps = Number(a.reps);

async function attack(): Promise<number> {
  const { step } = attackStep({ h: Number(a.h), w: Number(a.w) });
  step();
  stats.clear();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) step();
  return (performance.now() - t0) / reps;
}

async function train(): Promise<number> {
  const { Trainer } = await import('../src/train/trainer.js');
  const { TRAIN_DEFAULTS } = await import('../src/train/train-config.js');
  const { PACKAGE_ROOT } = await import('../src/version.js');
  const { join } = await import('node:path');
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const out = await mkdtemp(join(tmpdir(), 'advlic-prof-'));
  const data = join(PACKAGE_ROOT, TRAIN_DEFAULTS.data);
  const trainer = await Trainer.create({
    ...TRAIN_DEFAULTS, arch: 'bmshj2018-hyperprior', N: 64, M: 96, quality: 3, lambda: 0.0067, data, dataLimit: 32,
    crop: 128, batch: 4, steps: 100, valData: data, valCount: 0, finalValCount: 1, out, command: 'bench/profile.ts',
  });
  for (let i = 0; i < 2; i++) trainer.trainStep();
  await trainer.sync();
  stats.clear();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) trainer.trainStep();
  await trainer.sync();
  const ms = (performance.now() - t0) / reps;
  trainer.dispose();
  await rm(out, { recursive: true, force: true });
  return ms;
}

/** A real model (random init) as attacks use it: forward in 'noise' mode, MSE + λ·bits, gradient w.r.t. x. */
async function model(): Promise<number> {
  const { createModel } = await import('../src/models/registry.js');
  const arch = (positionals[1] ?? 'bmshj2018-hyperprior') as 'bmshj2018-hyperprior';
  const m = createModel({ arch, N: 128, M: 192 });
  const x = tf.randomUniform([1, Number(a.h), Number(a.w), 3], 0, 1, 'float32', 9) as tf.Tensor4D;
  const grad = tf.grad((t: tf.Tensor) => {
    const out = m.forward(t as tf.Tensor4D, 'noise');
    const bits = Object.values(out.likelihoods).map((l) => tf.div(tf.sum(tf.log(l)), -Math.LN2));
    return tf.add(tf.mean(tf.squaredDifference(out.xHat, t)), tf.mul(1e-6, tf.addN(bits))) as tf.Scalar;
  });
  tf.tidy(() => grad(x)).dispose();
  stats.clear();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) tf.tidy(() => grad(x)).dispose();
  return (performance.now() - t0) / reps;
}

const ms = what === 'train' ? await train() : what === 'model' ? await model() : await attack();
const rows = [...stats.entries()].sort((x, y) => y[1].ms - x[1].ms);
const total = rows.reduce((s, [, v]) => s + v.ms, 0) / reps;
console.log(JSON.stringify({
  what, msPerStep: Math.round(ms), kernelMsPerStep: Math.round(total),
  kernels: rows.slice(0, 40).map(([k, v]) => ({ kernel: k, calls: v.calls / reps, ms: Math.round(v.ms / reps), share: Math.round((1000 * v.ms) / reps / ms) / 10 })),
}, null, 1));
