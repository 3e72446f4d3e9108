/**
 * What `ftpsessions __complete CWORD -- WORDS...` prints, for the shell
 * scripts (scripts.ts) to read:
 *
 *   line 1    `words`, or `files<TAB>PREFIX` / `dirs<TAB>PREFIX`: let the
 *             shell complete a path after PREFIX (the part of the current
 *             word before it: `ps=` of `--input ps=/tm`)
 *   then      (words) one candidate a line, the whole current word it would
 *             become, a TAB and a description; a candidate ending in `=`
 *             takes no space after it.
 *
 * A candidate is only ever a word of safe characters (no white space,
 * quotes, controls): names and pids, never text a client chose.
 */
export interface Candidate {
  readonly value: string;
  readonly description?: string;
}

export type Answer = { readonly kind: 'words'; readonly candidates: readonly Candidate[] } | { readonly kind: 'files' | 'dirs'; readonly prefix: string };

/** Characters no candidate may hold: white space, controls, quotes and the shells' own syntax. */
const UNSAFE = /[^A-Za-z0-9_.,:=@%+*\/-]/;

export function isSafeWord(word: string): boolean {
  return word !== '' && !UNSAFE.test(word);
}

export function formatAnswer(answer: Answer, current: string): string {
  if (answer.kind !== 'words') return `${answer.kind}\t${oneLine(answer.prefix)}\n`;
  const lines = ['words'];
  const seen = new Set<string>();
  for (const c of answer.candidates) {
    if (!isSafeWord(c.value) || !c.value.startsWith(current) || seen.has(c.value)) continue;
    seen.add(c.value);
    lines.push(c.description === undefined || c.description === '' ? c.value : `${c.value}\t${oneLine(c.description)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A description on one line, printable: controls (TAB and newline included) become spaces. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}
