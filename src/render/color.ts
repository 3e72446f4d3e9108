/**
 * The table's colour level, decided once (ecosystem.md §3.1), highest first:
 * --color/--no-color; NO_COLOR present -> off; FORCE_COLOR (0 off, 1-3 on);
 * otherwise on only on a terminal that is not TERM=dumb.
 */
export function colorLevel(
  flag: boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
  isTTY: boolean,
): 0 | 1 | 2 | 3 {
  if (flag === false) return 0;
  if (flag === true) return forced(env.FORCE_COLOR) || 1;
  if (env.NO_COLOR !== undefined) return 0;
  if (env.FORCE_COLOR !== undefined) return forced(env.FORCE_COLOR);
  return isTTY && env.TERM !== 'dumb' ? 1 : 0;
}

function forced(value: string | undefined): 0 | 1 | 2 | 3 {
  if (value === undefined) return 0;
  if (value === '' || value === 'true') return 1;
  const n = Number(value);
  return n === 1 || n === 2 || n === 3 ? n : 0;
}
