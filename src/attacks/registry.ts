import { ConfigError } from '../errors.js';
import { ChenMa } from './chen-ma.js';
import { CarliniWagnerL2 } from './cw.js';
import { Fgsm } from './fgsm.js';
import { IFgsm } from './ifgsm.js';
import { MiFgsm } from './mifgsm.js';
import { Noise } from './noise.js';
import { Pgd } from './pgd.js';
import { Square } from './square.js';
import type { Attack, Budget } from './types.js';

export interface AttackEntry {
  readonly name: string;
  readonly kind: 'white-box' | 'black-box';
  readonly summary: string;
  /** The budget papers use by default for this attack's norm. */
  readonly defaultBudget: Budget;
  /** Validates options (ConfigError naming the field) and applies the literature defaults. */
  create(options?: unknown): Attack;
}

const LINF_8 = { norm: 'linf', eps: 8 / 255 } as const;
const PSNR_35 = { norm: 'psnr', minPsnr: 35 } as const;

/** Every attack, by name (a list and a lookup, no switch). */
export const ATTACKS: readonly AttackEntry[] = [
  { name: 'fgsm', kind: 'white-box', summary: 'one signed-gradient step of size ε (Goodfellow 2015)', defaultBudget: LINF_8, create: (o) => new Fgsm(o) },
  { name: 'ifgsm', kind: 'white-box', summary: 'iterative FGSM / BIM, 10 steps of ε/4 (Kurakin 2017)', defaultBudget: LINF_8, create: (o) => new IFgsm(o) },
  { name: 'pgd', kind: 'white-box', summary: 'PGD with random start and restarts, L∞ or L2 (Madry 2018)', defaultBudget: LINF_8, create: (o) => new Pgd(o) },
  { name: 'mifgsm', kind: 'white-box', summary: 'momentum iterative FGSM, μ = 1 (Dong 2018)', defaultBudget: LINF_8, create: (o) => new MiFgsm(o) },
  { name: 'cw', kind: 'white-box', summary: 'C&W-style L2: Adam on tanh-space w, binary search over c (Carlini & Wagner 2017)', defaultBudget: PSNR_35, create: (o) => new CarliniWagnerL2(o) },
  { name: 'chen-ma', kind: 'white-box', summary: 'Adam on δ with an input-MSE hinge penalty (Chen & Ma, TCSVT 2023)', defaultBudget: PSNR_35, create: (o) => new ChenMa(o) },
  { name: 'noise', kind: 'black-box', summary: 'uniform or Gaussian noise of the same budget (baseline)', defaultBudget: LINF_8, create: (o) => new Noise(o) },
  { name: 'square', kind: 'black-box', summary: 'Square attack, score-based random search with a query budget (Andriushchenko 2020)', defaultBudget: LINF_8, create: (o) => new Square(o) },
];

export const ATTACK_NAMES = ATTACKS.map((a) => a.name);

export function attackEntry(name: string): AttackEntry {
  const entry = ATTACKS.find((a) => a.name === name);
  if (!entry) throw new ConfigError(`unknown attack '${name}' (known: ${ATTACK_NAMES.join(', ')})`);
  return entry;
}

export function createAttack(name: string, options?: unknown): Attack {
  return attackEntry(name).create(options);
}
