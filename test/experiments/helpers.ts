import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
export const CLI_ENTRY = join(here, 'cli-entry.ts');

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `advlic-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** n tiny distinct PNGs in dir/images. */
export async function writeImages(dir: string, n: number): Promise<string> {
  const imgDir = join(dir, 'images');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(imgDir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(8 * 8 * 3, (i * 37) % 256);
    px[0] = i;
    await sharp(px, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(imgDir, `img${String(i).padStart(2, '0')}.png`));
  }
  return imgDir;
}

export function writeSpec(dir: string, spec: object, name = 'spec.json'): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(spec, null, 2));
  return p;
}

/** A child process running the CLI from sources; tracked so tests can always kill it. */
export function spawnCli(args: string[], children: Set<ChildProcess>, opts: { detached?: boolean } = {}): ChildProcess {
  // detached: its own process group, so a test can signal the group as a terminal's Ctrl-C does.
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

export function killAll(children: Set<ChildProcess>): void {
  for (const c of children) {
    try {
      // Negative pid would kill a group; these are plain children, killed one by one.
      c.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((res) => child.on('exit', (code, signal) => res({ code, signal, stdout, stderr })));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
