// Strings that break renderers: what every format must carry (machine
// formats) or show safely (the table). Shared by the tests and the fuzz runs.
import fc from 'fast-check';
import type { Envelope } from '../../src/envelope/types.js';

/** Pieces that mean something to YAML 1.0/1.1/1.2, XML or a terminal. */
export const PIECES = [
  '', ' ', '  ', '\t', '\n', '\r', '\r\n', '\0', '\u0001', '\u0007', '\u001b', '\u001b[31m', '\u007f', '\u0080', '\u0085', '\u009b', '\u009f', '\u00a0',
  '\u2028', '\u2029', '\ufeff', '\u200b', '\u200e', '\u202e', '\u2066', '\u061c', '\ufffe', '\uffff', '\ufffd', '😀', '𝒳', '中文', 'e\u0301', '\u0301',
  '~', 'null', 'Null', 'yes', 'no', 'Yes', 'NO', 'on', 'off', 'On', 'OFF', 'y', 'n', 'Y', 'N', 'true', 'False',
  '0', '7', '-1', '+1', '007', '0777', '08', '1,000', '1_000', '1.5', '1.', '.5', '1e3', '1.0e+3', '0x1F', '0o17', '0b101', '.inf', '-.Inf', '.NaN',
  '06:06:28', '190:20:30', '2026-01-01', '2026-01-01 10:00:00', '127.0.0.1', '::1', '2001:db8::1', 'fe80::1%eth0',
  '=', '<<', '-', '- ', '?', '? ', ':', ': ', ' #', '#', '&a', '*a', '!', '!!str', '|', '>', '%', '@', '`', ',', '[', ']', '{', '}',
  '---', '...', "'", "''", '"', '\\', '\\x41', '\\u0041', '\\N', '<', '>', '&', '&amp;', ']]>', '<![CDATA[', 'a', 'b', 'Z',
];

/**
 * Arbitrary text: the pieces above mixed with any code points (no lone
 * surrogates: decoded input cannot hold one). Not `=` then NUL: YAML::Syck
 * reads any quoted scalar starting so as "str", and nothing else can carry a
 * NUL (the one string the YAML cannot give back to it; render/README.md).
 */
export const hostileString = (maxPieces = 6): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: maxPieces })
    .map((parts) => parts.join(''))
    .filter((s) => !s.startsWith('=\0'));

/** A document shaped like the dialects' (rows of strings and numbers, nulls, lists of messages). */
export const hostileDocument = (maxRows = 4): fc.Arbitrary<Record<string, unknown>> =>
  fc.record({
    apiversion: fc.constant(3),
    func: fc.constant('list_sessions'),
    module: fc.constant('Ftp'),
    result: fc.record({
      data: fc.array(
        fc.record({
          cmdline: hostileString(),
          file: hostileString(),
          host: hostileString(),
          login: hostileString(),
          pid: fc.oneof(fc.integer({ min: 1, max: 4_194_304 }), hostileString(2)),
          status: hostileString(2),
          user: hostileString(),
        }),
        { maxLength: maxRows },
      ),
      errors: fc.oneof(fc.constant(null), fc.array(hostileString(), { minLength: 1, maxLength: 2 })),
      messages: fc.constant(null),
      metadata: fc.oneof(fc.constant({}), fc.record({ transformed: fc.constant(1) })),
      status: fc.constantFrom(0, 1),
      warnings: fc.oneof(fc.constant(null), fc.array(hostileString(), { minLength: 1, maxLength: 2 })),
    }),
  });

/** An envelope around a document, for calling a renderer directly. */
export function envelopeOf(document: Record<string, unknown>, more: Partial<Envelope> = {}): Envelope {
  return {
    dialect: 'uapi',
    document,
    xmlRoot: 'result',
    xmlContent: document,
    rows: undefined,
    object: undefined,
    warnings: [],
    warningsInDocument: true,
    error: undefined,
    ...more,
  };
}
