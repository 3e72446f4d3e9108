// Reading YAML back with YAML::Syck, the reader cPanel's own scripts use
// (Debian's libyaml-syck-perl): many documents in one perl run.
import { execFileSync } from 'node:child_process';
import { load } from 'js-yaml';
import { expect } from 'vitest';
import { renderYaml } from '../../src/render/yaml.js';
import { envelopeOf } from './hostile.js';

const SCRIPT = String.raw`
use strict; use warnings; use YAML::Syck; use JSON::PP;
($YAML::Syck::ImplicitTyping, $YAML::Syck::ImplicitUnicode) = @ARGV;
binmode STDIN; local $/; my $in = <STDIN>;
my $json = JSON::PP->new->ascii->canonical->allow_nonref;
my @out;
for my $doc (split /\0/, $in, -1) {
  my $data = eval { Load($doc) };
  push @out, $@ ? { error => "$@" } : { ok => [$data] };
}
print $json->encode(\@out);
`;

export type SyckResult = { ok: [unknown] } | { error: string };

/**
 * Each YAML document as YAML::Syck reads it, as JSON. `typing`: Syck's
 * ImplicitTyping (plain numbers become numbers); `unicode`: ImplicitUnicode
 * (strings decoded from UTF-8; otherwise they are the bytes, turned back
 * into text here so the two modes compare alike).
 */
export function syckLoad(documents: readonly string[], { typing, unicode }: { typing: boolean; unicode: boolean }): SyckResult[] {
  if (documents.some((d) => d.includes('\0'))) throw new Error('a YAML document with a raw NUL cannot be batched');
  const out = execFileSync('/usr/bin/perl', ['-e', SCRIPT, typing ? '1' : '0', unicode ? '1' : '0'], {
    input: Buffer.from(documents.join('\0'), 'utf8'),
    maxBuffer: 1 << 30,
  });
  const results = JSON.parse(out.toString('utf8')) as SyckResult[];
  return unicode ? results : results.map((r) => ('ok' in r ? { ok: [fromBytes(r.ok[0])] as [unknown] } : r));
}

/** Perl's byte strings (each byte a character here) back to the text they encode. */
function fromBytes(value: unknown): unknown {
  if (typeof value === 'string') return Buffer.from(value, 'latin1').toString('utf8');
  if (Array.isArray(value)) return value.map(fromBytes);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [fromBytes(k), fromBytes(v)]));
  return value;
}

/** What a JSON document reads back as without ImplicitTyping: every number a string. */
export function untyped(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(untyped);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, untyped(v)]));
  return value;
}

const DIGEST_SCRIPT = String.raw`
use strict; use warnings; use YAML::Syck; use Digest::SHA qw(sha256_hex);
$YAML::Syck::ImplicitTyping = 1; $YAML::Syck::ImplicitUnicode = 1;
binmode STDIN; local $/; my $data = Load(scalar <STDIN>);
for my $k (sort keys %$data) { my $v = $data->{$k}; my $n = length $v; utf8::encode($v); print "$k $n ", sha256_hex($v), "\n"; }
`;

/** For a map of long strings: each key with its value's length in characters and SHA-256, as YAML::Syck reads them. */
export function syckDigests(document: string): string {
  return execFileSync('/usr/bin/perl', ['-e', DIGEST_SCRIPT], { input: Buffer.from(document, 'utf8'), maxBuffer: 1 << 20 }).toString('utf8');
}

export const CONTEXT = { colorLevel: 0, program: 'uapi', columns: undefined, unicode: true } as const;
export const yaml = (document: Record<string, unknown>) => renderYaml(envelopeOf(document), CONTEXT).stdout;
export const MODES = [
  { typing: true, unicode: true },
  { typing: true, unicode: false },
  { typing: false, unicode: true },
  { typing: false, unicode: false },
] as const;

/** Every document read back by YAML::Syck in every mode and by js-yaml, each compared with the JSON. */
export function expectRoundTrip(documents: readonly Record<string, unknown>[], modes: readonly (typeof MODES)[number][] = MODES): void {
  const texts = documents.map(yaml);
  const expected = documents.map((d) => JSON.parse(JSON.stringify(d)) as unknown);
  for (const mode of modes) {
    const back = syckLoad(texts, mode);
    back.forEach((result, i) => {
      const want = mode.typing ? expected[i] : untyped(expected[i]);
      expect(result, `YAML::Syck ${JSON.stringify(mode)} of\n${texts[i]}`).toEqual({ ok: [want] });
    });
  }
  texts.forEach((text, i) => expect(load(text), `js-yaml of\n${text}`).toEqual(expected[i]));
}

