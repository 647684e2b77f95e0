import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classicalCodecFromSpec, listClassicalCodecs } from '../../src/classical/registry.js';
import { resolveCodec } from '../../src/codec/resolve.js';
import { ConfigError } from '../../src/errors.js';

async function id(spec: string): Promise<string | undefined> {
  return (await classicalCodecFromSpec(spec))?.id;
}

test('spec: common scale and native parameters give canonical ids', async () => {
  assert.equal(await id('jpeg@75'), 'jpeg@q75:420');
  assert.equal(await id('jpeg@q75'), 'jpeg@q75:420');
  assert.equal(await id('JPG@Q75:444'), 'jpeg@q75:444');
  assert.equal(await id('jpeg@75:444:moz'), 'jpeg@q75:444:moz');
  assert.equal(await id('webp@80'), 'webp@q80');
  assert.equal(await id('avif@50'), 'avif@q50:444:e3');
  assert.equal(await id('avif@50:420:e2'), 'avif@q50:420:e2');
  assert.equal(await id('jxl@d1.5'), 'jxl@d1.5');
  assert.equal(await id('jxl@90'), 'jxl@d1'); // cjxl's own -q 90 ≡ distance 1
  assert.equal(await id('jxl@q90:e5'), 'jxl@d1:e5');
  assert.equal(await id('j2k@r40'), 'j2k@r40');
  assert.equal(await id('j2k@psnr35'), 'j2k@psnr35');
  assert.equal(await id('j2k@50'), 'j2k@psnr32.5');
  assert.equal(await id('hevc@qp32'), 'hevc@qp32:420');
  assert.equal(await id('hevc@qp32:444'), 'hevc@qp32:444');
  assert.equal(await id('hevc@50'), 'hevc@qp26:420');
  assert.equal(await id('vvc@qp32'), 'vvc@qp32');
  assert.equal(await id('jpeg'), 'jpeg@q75:420');
});

test('spec: every id parses back to itself', async () => {
  for (const s of ['jpeg@q10:444', 'webp@q5', 'avif@q90:420:e0', 'jxl@d12:e3', 'j2k@r80', 'j2k@psnr41.25', 'hevc@qp0:444', 'vvc@qp63:slow']) {
    assert.equal(await id(s), s);
    assert.equal(await id((await id(s))!), s);
  }
});

test('spec: the common scale is monotone in every native parameter', async () => {
  const native = async (spec: string) => Number(/@[a-z]*([0-9.]+)/.exec((await id(spec))!)![1]);
  for (const name of ['jpeg', 'webp', 'avif', 'j2k']) {
    for (let q = 0; q < 100; q += 5) assert.ok((await native(`${name}@${q + 5}`)) >= (await native(`${name}@${q}`)), `${name}@${q}`);
  }
  for (const name of ['jxl', 'hevc', 'vvc']) {
    for (let q = 0; q < 100; q += 5) assert.ok((await native(`${name}@${q + 5}`)) <= (await native(`${name}@${q}`)), `${name}@${q}`);
  }
});

test('spec: non-classical names fall through, bad parameters are ConfigErrors', async () => {
  assert.equal(await classicalCodecFromSpec('bmshj2018-hyperprior@3'), undefined);
  assert.equal(await classicalCodecFromSpec('runs/x/model.safetensors'), undefined);
  for (const bad of ['jpeg@q0', 'jpeg@101', 'jpeg@x5', 'jpeg@75:422', 'webp@75:444', 'hevc@qp52', 'vvc@qp64', 'jxl@d30', 'j2k@q40', 'avif@50:e12', 'jpeg@', 'jpeg@@3']) {
    await assert.rejects(classicalCodecFromSpec(bad), (e: unknown) => e instanceof ConfigError && /jpeg|webp|hevc|vvc|jxl|j2k|avif|spec/.test((e as Error).message), bad);
  }
});

test('spec: resolveCodec reaches the classical registry', async () => {
  const c = await resolveCodec('jpeg@q60:444');
  assert.equal(c.id, 'jpeg@q60:444');
  assert.equal(c.kind, 'classical');
});

test('spec: listClassicalCodecs reports availability, tools and sweeps', async () => {
  const list = await listClassicalCodecs();
  assert.deepEqual(list.map((c) => c.name), ['jpeg', 'webp', 'avif', 'jxl', 'j2k', 'hevc', 'vvc']);
  for (const c of list) {
    assert.ok(c.defaultSweep.length >= 5, c.name);
    for (const s of c.defaultSweep) assert.ok((await id(s))?.startsWith(`${c.name}@`), `${c.name} sweep spec ${s}`);
    if (!c.available) assert.match(c.reason!, /not found on PATH/);
    assert.equal(c.tool, c.tools.length ? c.tools.join(', ') : undefined);
  }
  assert.equal(list.find((c) => c.name === 'jpeg')!.available, true);
});
