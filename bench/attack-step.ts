/**
 * The attack step alone (forward + input gradient of MSE through a scale-hyperprior stack,
 * N=128 M=192, 512x768), on the current engine alone, many repetitions. bench/engine.ts --quick
 * times this step once, between A/B variants that alternate memory patterns; this is the
 * steady-state figure (compare it with bench/engine.ts's SGEMM peak from the same quiet
 * machine). Prints one JSON document.
 *   MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 node --import tsx bench/attack-step.ts [reps]
 * (the CLI runs with those glibc settings; see README, Performance).
 */
import { engineInfo, initEngine } from '../src/engine/index.js';
import { attackStep } from './hyperprior-stack.js';
import { timingStats } from './timing-stats.js';

const reps = Number(process.argv[2] ?? 9);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`reps must be a positive integer, got '${process.argv[2]}'`);
const engine = await initEngine({ engine: 'ort' });
if (engine.name !== 'ort') throw new Error('ORT engine did not load');

const { step, dispose } = attackStep();
step(); // warm-up: graph sessions are built on first use
const seconds: number[] = [];
for (let r = 0; r < reps; r++) {
  const t0 = performance.now();
  step();
  seconds.push((performance.now() - t0) / 1000);
}
dispose();
console.log(JSON.stringify({
  date: new Date().toISOString(),
  what: 'attack step: scale hyperprior N=128 M=192, 512x768, forward + input gradient of MSE, seconds',
  threads: engineInfo().threads,
  mallocSettings: process.env.MALLOC_MMAP_MAX_ === '0',
  reps,
  ...timingStats(seconds),
}, null, 1));
