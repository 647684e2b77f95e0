/**
 * Every external-tool codec (jxl, j2k, hevc, vvc) fails with ONE line naming the codec when its
 * tool is missing, fails, writes nothing, writes an empty file or writes garbage — checked with
 * PATH pointing at an empty folder and at fake tools, so these tests run whether or not the real
 * tools are installed. The CLI prints such errors as one `advlic: error [E_…]` line, and
 * `advlic transfer` refuses a missing target tool before it spends time attacking.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { appendTrailer, HEVC_NAL, VVC_NAL } from '../../src/classical/annexb-trailer.js';
import { classicalCodecDef, classicalCodecFromSpec } from '../../src/classical/registry.js';
import { resetToolCache } from '../../src/classical/run-tool.js';
import { BitstreamError, CodecError, ToolMissingError } from '../../src/errors.js';
import type { RgbImage } from '../../src/image/types.js';
import { runCli } from '../cli/run-cli.js';

const IMAGE = fileURLToPath(new URL('../../experiments/images/kodim23-crop256.png', import.meta.url));

const root = await mkdtemp(join(tmpdir(), 'advlic-tools-test-'));
const EMPTY = join(root, 'empty');
const FAKE = join(root, 'fake');
await mkdir(EMPTY);
await mkdir(FAKE);
after(() => rm(root, { recursive: true, force: true }));

// One fake for every tool; only shell builtins, so it works with PATH pointing elsewhere.
// ADVLIC_FAKE_TOOL: fail (exit 3, two stderr lines) | silent (exit 0, no file) | empty | garbage.
const FAKE_SCRIPT = `#!/bin/sh
out=""
case "\${0##*/}" in
  cjxl|djxl) out="$2" ;;
  *) prev=""; for a in "$@"; do if [ "$prev" = "-o" ] || [ "$prev" = "-y" ]; then out="$a"; fi; prev="$a"; done ;;
esac
case "$ADVLIC_FAKE_TOOL" in
  fail) printf 'some progress line\\nfatal: fake failure\\n' >&2; exit 3 ;;
  empty) : > "$out" ;;
  garbage) printf 'P6\\n4 4\\n255\\nxx' > "$out" ;;
esac
exit 0
`;
for (const tool of ['cjxl', 'djxl', 'opj_compress', 'opj_decompress', 'ffmpeg', 'vvencapp', 'vvdecapp']) {
  await writeFile(join(FAKE, tool), FAKE_SCRIPT);
  await chmod(join(FAKE, tool), 0o755);
}

async function withPath<T>(dir: string, mode: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = { path: process.env.PATH, mode: process.env.ADVLIC_FAKE_TOOL };
  process.env.PATH = dir;
  if (mode === undefined) delete process.env.ADVLIC_FAKE_TOOL;
  else process.env.ADVLIC_FAKE_TOOL = mode;
  resetToolCache();
  try {
    return await fn();
  } finally {
    process.env.PATH = saved.path;
    if (saved.mode === undefined) delete process.env.ADVLIC_FAKE_TOOL;
    else process.env.ADVLIC_FAKE_TOOL = saved.mode;
    resetToolCache();
  }
}

const IMG: RgbImage = { width: 16, height: 8, data: new Float32Array(16 * 8 * 3).map((_, i) => (i % 13) / 13) };

/** Bytes that pass each decoder's own cheap checks, so the tool is actually reached. */
function plausibleBitstream(codec: string): Uint8Array {
  const body = Uint8Array.from({ length: 64 }, (_, i) => (i * 31 + 5) & 255);
  if (codec === 'j2k') return Uint8Array.from([0xff, 0x4f, ...body]);
  if (codec === 'hevc') return appendTrailer(body, HEVC_NAL);
  if (codec === 'vvc') return appendTrailer(body, VVC_NAL);
  return body;
}

function oneLine(codec: string, type: new (...a: never[]) => Error, ...patterns: RegExp[]) {
  return (e: unknown) => {
    assert.ok(e instanceof type, `${codec}: expected ${type.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    const m = (e as Error).message;
    assert.ok(m.startsWith(`${codec}: `), `message should name the codec: ${m}`);
    assert.ok(!m.includes('\n'), `message should be one line: ${JSON.stringify(m)}`);
    for (const p of patterns) assert.match(m, p);
    return true;
  };
}

for (const name of ['jxl', 'j2k', 'hevc', 'vvc']) {
  const def = classicalCodecDef(name)!;
  const encoder = def.tools[0]!;
  const decoder = def.tools[def.tools.length - 1]!;

  test(`${name}: missing tools are one-line ToolMissingErrors naming the tool and how to get it`, async () => {
    await withPath(EMPTY, undefined, async () => {
      const codec = (await classicalCodecFromSpec(`${name}@60`))!;
      const hint = new RegExp(def.installHint!.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      await assert.rejects(codec.compress(IMG), oneLine(name, ToolMissingError, new RegExp(`"${encoder}"`), hint));
      await assert.rejects(codec.decompress(plausibleBitstream(name)), oneLine(name, ToolMissingError, new RegExp(`"${decoder}"`), hint));
    });
  });

  test(`${name}: a failing tool is a one-line error with its last stderr lines`, async () => {
    await withPath(FAKE, 'fail', async () => {
      const codec = (await classicalCodecFromSpec(`${name}@60`))!;
      await assert.rejects(codec.compress(IMG), oneLine(name, CodecError, /exit code 3/, /fatal: fake failure/));
      await assert.rejects(codec.decompress(plausibleBitstream(name)), oneLine(name, BitstreamError, /exit code 3/, /fatal: fake failure/));
    });
  });

  test(`${name}: a tool that succeeds without writing its output is a one-line error, not ENOENT`, async () => {
    await withPath(FAKE, 'silent', async () => {
      const codec = (await classicalCodecFromSpec(`${name}@60`))!;
      await assert.rejects(codec.compress(IMG), oneLine(name, CodecError, new RegExp(`${encoder} exited successfully but wrote no output file`)));
      await assert.rejects(codec.decompress(plausibleBitstream(name)), oneLine(name, BitstreamError, /wrote no output file/));
    });
    await withPath(FAKE, 'empty', async () => {
      const codec = (await classicalCodecFromSpec(`${name}@60`))!;
      await assert.rejects(codec.compress(IMG), oneLine(name, CodecError, /wrote an empty output file/));
      await assert.rejects(codec.decompress(plausibleBitstream(name)), oneLine(name, BitstreamError, /wrote an empty output file/));
    });
  });

  test(`${name}: garbage decoder output is a one-line BitstreamError`, async () => {
    await withPath(FAKE, 'garbage', async () => {
      const codec = (await classicalCodecFromSpec(`${name}@60`))!;
      await assert.rejects(codec.decompress(plausibleBitstream(name)), oneLine(name, BitstreamError));
    });
  });
}

test('cli: a missing codec tool is one stderr line with E_TOOL_MISSING (no stack), exit 1', async () => {
  for (const spec of ['jxl@90', 'j2k@50', 'hevc@qp32', 'vvc@qp32']) {
    const r = await withPath(EMPTY, undefined, () => runCli(['eval', '--model', spec, IMAGE]));
    assert.equal(r.code, 1, `${spec}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^advlic: error \\[E_TOOL_MISSING\\]: ${spec.split('@')[0]}: codec not available, tool "[a-z_]+" not found on PATH \\([^\\n]+\\)\\n$`));
  }
  const vvc = await withPath(EMPTY, undefined, () => runCli(['--json', 'eval', '--model', 'vvc', IMAGE]));
  const doc = JSON.parse(vvc.stdout) as { error: { code: string; message: string } };
  assert.equal(doc.error.code, 'E_TOOL_MISSING');
  assert.match(doc.error.message, /not packaged by Debian 12/);
});

test('cli: a failing codec tool is one stderr line with E_CODEC', async () => {
  const r = await withPath(FAKE, 'fail', () => runCli(['eval', '--model', 'jxl@90', IMAGE]));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^advlic: error \[E_CODEC\]: jxl: cjxl failed \(exit code 3\): some progress line \| fatal: fake failure\n$/);
});

test('cli transfer: a target whose tool is missing (vvc) is refused before the attack runs; bad target specs too', async () => {
  const t0 = Date.now();
  const r = await withPath(EMPTY, undefined, () => runCli(['transfer', IMAGE, '--source', 'no-such-model@1', '--targets', 'jpeg,vvc']));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^advlic: error \[E_TOOL_MISSING\]: vvc: codec not available, tools "vvencapp", "vvdecapp" not found on PATH \(not packaged[^\n]*\n$/);
  assert.ok(Date.now() - t0 < 5000, 'refused without attacking');
  const bad = await runCli(['transfer', IMAGE, '--source', 'no-such-model@1', '--targets', 'jpeg@q500']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /^advlic: error \[E_CONFIG\]: jpeg: quality 500[^\n]*\n$/);
});

test('jpeg/webp/avif: an encode libvips refuses (70000 px wide) is a one-line CodecError naming the codec', async () => {
  const wide: RgbImage = { width: 70000, height: 1, data: new Float32Array(70000 * 3).fill(0.5) };
  for (const name of ['jpeg', 'webp', 'avif']) {
    const codec = (await classicalCodecFromSpec(`${name}@50`))!;
    await assert.rejects(codec.compress(wide), oneLine(name, CodecError, /encoding failed \(.*too large/));
  }
});
