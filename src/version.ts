import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Package root (works from src/ under tsx and from dist/ after build). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let described: string | undefined;
/** `git describe` of the checkout when there is one, else the package version: stored with every result. */
export function codeVersion(): string {
  if (described !== undefined) return described;
  try {
    described = execFileSync('git', ['describe', '--always', '--dirty', '--tags'], {
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    described = `v${VERSION}`;
  }
  return described;
}
