/** "blur(bmshj2018-hyperprior@3)", or with non-default options "blur:sigma=2(bmshj2018-hyperprior@3)". */
export function defenceId(name: string, options: Record<string, unknown>, defaults: Record<string, unknown>, innerId: string): string {
  const changed = Object.entries(options).filter(([k, v]) => defaults[k] !== v);
  return `${name}${changed.length ? ':' + changed.map(([k, v]) => `${k}=${String(v)}`).join(',') : ''}(${innerId})`;
}
