/**
 * Where an attack step's ORT time goes per graph node, from ORT's own profiler: every session
 * records its nodes (ADVLIC_ORT_PROFILE), the step runs `reps` times after a warm-up, and the
 * node times are summed per op type and per (op, output shape).
 *   MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 node --import tsx bench/ort-nodes.ts [reps]
 * (warm-up nodes are counted too: the sums are divided by reps + 1).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const reps = Number(process.argv[2] ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'ortprof-'));
process.env.ADVLIC_ORT_PROFILE = dir;
const { initEngine } = await import('../src/engine/index.js');
const { endOrtProfiling } = await import('../src/engine/ort/runtime.js');
const { attackStep } = await import('./hyperprior-stack.js');

await initEngine({ engine: 'ort' });
const { step } = attackStep();
const t0 = performance.now();
for (let r = 0; r <= reps; r++) step();
const stepMs = (performance.now() - t0) / (reps + 1);
endOrtProfiling();

interface Ev { cat: string; name: string; dur: number; args?: { op_name?: string; output_type_shape?: Array<Record<string, number[]>> } }
const byOp = new Map<string, number>();
const byShape = new Map<string, number>();
let total = 0;
for (const f of readdirSync(dir)) {
  const events = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Ev[];
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const ms = e.dur / 1000 / (reps + 1);
    const op = e.args?.op_name ?? '?';
    const shape = JSON.stringify(Object.values(e.args?.output_type_shape?.[0] ?? {})[0] ?? []);
    byOp.set(op, (byOp.get(op) ?? 0) + ms);
    byShape.set(`${op} ${shape}`, (byShape.get(`${op} ${shape}`) ?? 0) + ms);
    total += ms;
  }
}
rmSync(dir, { recursive: true, force: true });
const show = (m: Map<string, number>, n: number): void => {
  for (const [k, v] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${v.toFixed(1).padStart(7)} ms  ${k}`);
};
console.log(`step ${stepMs.toFixed(0)} ms (incl. warm-up), ORT node time ${total.toFixed(0)} ms per step`);
console.log('per op type:');
show(byOp, 20);
console.log('per op and output shape:');
show(byShape, 40);
