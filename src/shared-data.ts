import { resolve } from 'node:path';
import { PACKAGE_ROOT } from './version.js';

/**
 * The project's shared data folder (Kodak, BSDS500, CompressAI reference outputs): `../shared`
 * beside the checkout, as on the developers' machines and in CI, unless ADVLIC_SHARED_DIR says
 * otherwise. Tests, benchmarks and default paths use it; users pass their own paths.
 */
export const SHARED_DIR: string = process.env.ADVLIC_SHARED_DIR ?? resolve(PACKAGE_ROOT, '..', 'shared');
