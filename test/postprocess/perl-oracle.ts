import { spawnSync } from 'node:child_process';

/**
 * Runs a Perl snippet over JSON cases with the local /usr/bin/perl (an argv
 * array, no shell), so the tests can compare our emulation with the real
 * thing. Strings cross as UTF-8 bytes and Perl keeps them as byte strings,
 * as cPanel does.
 */
export const PERL = '/usr/bin/perl';
export const hasPerl = spawnSync(PERL, ['-MJSON::PP', '-e', '1'], { stdio: 'ignore' }).status === 0;

/** What perlEach gives for a case that ran past its time limit (perl's own backtracking can take ages). */
export const PERL_TIMEOUT = 'perl: time limit';

/**
 * `body` evaluated for each `$case`; a die becomes `{ die: "$@" }`. With
 * `seconds`, each case is cut off after that long (an alarm, delivered at
 * once with PERL_SIGNALS=unsafe, so it stops a running regex) and gives
 * `{ die: PERL_TIMEOUT }`.
 */
export function perlEach<T>(cases: readonly unknown[], body: string, seconds?: number): T[] {
  const limited = seconds === undefined ? `eval { ${body} }` : `eval { local $SIG{ALRM} = sub { die "${PERL_TIMEOUT}\\n" }; alarm ${seconds}; my $v = do { ${body} }; alarm 0; $v }`;
  const script = `
use strict; no warnings;
use JSON::PP ();
local $/;
my $json = JSON::PP->new->utf8(0)->canonical(1)->allow_nonref(1);
my $cases = $json->decode(scalar <STDIN>);
# JSON::PP may hand back UTF-8-flagged strings: make them byte strings again.
sub bytes_all { my ($v) = @_; if (ref $v eq 'ARRAY') { bytes_all($_) for @$v } elsif (ref $v eq 'HASH') { bytes_all($_) for values %$v } elsif (defined $v && !ref $v) { utf8::downgrade($_[0], 1) } }
bytes_all($_) for @$cases;
my @out;
for my $case (@$cases) {
  my $r = ${limited};
  alarm 0 if ${seconds === undefined ? 0 : 1};
  push @out, defined $r ? $r : ( $@ ? { die => "$@" } : undef );
}
print $json->encode(\\@out);
`;
  const result = spawnSync(PERL, ['-e', script], {
    input: Buffer.from(JSON.stringify(cases), 'utf8'),
    maxBuffer: 1 << 26,
    ...(seconds === undefined ? {} : { env: { PERL_SIGNALS: 'unsafe' } }),
  });
  if (result.status !== 0) throw new Error(`perl failed (${result.status === null ? `signal ${result.signal}` : `exit ${result.status}`}): ${result.stderr.toString()}`);
  return JSON.parse(result.stdout.toString('utf8')) as T[];
}

/** Perl's die text without the " at FILE line N." suffix. */
export function dieText(value: unknown): string | undefined {
  if (value && typeof value === 'object' && 'die' in value) return String((value as { die: string }).die).replace(/ at \S+ line \d+(?:, <\w+> (?:chunk|line) \d+)?\.\n$/, '');
  return undefined;
}
