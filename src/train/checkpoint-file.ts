import { createHash } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CheckpointError } from '../errors.js';
import type { StateDict, TensorData } from '../models/weights/types.js';

/**
 * The training checkpoint container: one file, written atomically.
 *
 *   bytes 0..7   magic "ADVLCKP1"
 *   bytes 8..15  header length H, uint64 little-endian
 *   H bytes      header JSON: { state, tensors: { name: { dtype, shape, offset, bytes } } }
 *   data         raw little-endian tensor bytes, offsets relative to the data start
 *   32 bytes     SHA-256 of everything before it
 *
 * The trailing hash makes any truncation or bit flip detectable before a single value is
 * trusted. Writes go to a temp file in the same folder, are fsynced, then renamed over the
 * target, so a run killed mid-write leaves the previous checkpoint intact.
 */
export const CHECKPOINT_MAGIC = 'ADVLCKP1';

export interface CheckpointContents<S> {
  state: S;
  tensors: StateDict;
}

interface TensorEntry {
  dtype: 'float32' | 'int32';
  shape: number[];
  offset: number;
  bytes: number;
}

export async function writeCheckpointFile<S>(path: string, contents: CheckpointContents<S>): Promise<void> {
  const entries: Record<string, TensorEntry> = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of contents.tensors) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    entries[name] = { dtype: t.dtype, shape: t.shape, offset, bytes: bytes.length };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const header = Buffer.from(JSON.stringify({ state: contents.state, tensors: entries }), 'utf8');
  const prefix = Buffer.alloc(16);
  prefix.write(CHECKPOINT_MAGIC, 0, 'latin1');
  prefix.writeBigUInt64LE(BigInt(header.length), 8);
  const hash = createHash('sha256');
  for (const part of [prefix, header, ...chunks]) hash.update(part);
  const trailer = hash.digest();

  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writev([prefix, header, ...chunks, trailer]);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw new CheckpointError(`cannot write checkpoint ${path}: ${(err as Error).message}`, { cause: err });
  }
  await fh.close();
  await rename(tmp, path);
  // Make the rename itself durable.
  const dir = await open(dirname(path), 'r');
  await dir.sync().catch(() => {});
  await dir.close();
}

export async function readCheckpointFile<S>(path: string): Promise<CheckpointContents<S>> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CheckpointError(`cannot read checkpoint ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
  }
  const bad = (why: string) => new CheckpointError(`checkpoint ${path} is corrupt or truncated (${why}); resume from an older checkpoint or restart`);
  if (buf.length < 48 || buf.toString('latin1', 0, 8) !== CHECKPOINT_MAGIC) {
    throw new CheckpointError(`${path} is not an advlic training checkpoint (bad magic or too short: ${buf.length} bytes)`);
  }
  const body = buf.subarray(0, buf.length - 32);
  const expected = buf.subarray(buf.length - 32);
  if (!createHash('sha256').update(body).digest().equals(expected)) throw bad('SHA-256 mismatch');
  const headerLen = Number(buf.readBigUInt64LE(8));
  if (16 + headerLen > body.length) throw bad('header runs past the end');
  let header: { state: S; tensors: Record<string, TensorEntry> };
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + headerLen));
  } catch (err) {
    throw bad(`header is not JSON: ${(err as Error).message}`);
  }
  const dataStart = 16 + headerLen;
  const tensors: StateDict = new Map();
  for (const [name, e] of Object.entries(header.tensors ?? {})) {
    const numel = e.shape.reduce((a, b) => a * b, 1);
    if (e.bytes !== numel * 4 || dataStart + e.offset + e.bytes > body.length) throw bad(`tensor ${name} out of bounds`);
    // Copy into a fresh, aligned buffer (the file buffer's offsets need not be 4-aligned).
    const raw = new Uint8Array(e.bytes);
    raw.set(buf.subarray(dataStart + e.offset, dataStart + e.offset + e.bytes));
    const data = e.dtype === 'int32' ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
    tensors.set(name, { dtype: e.dtype, shape: e.shape, data } satisfies TensorData);
  }
  return { state: header.state, tensors };
}
