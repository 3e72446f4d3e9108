// Property tests: no input, however broken, makes a parser throw.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parseFormArgs } from '../../src/cli/form.js';
import { parsePs } from '../../src/collectors/ps/parse.js';
import { classifyTitle } from '../../src/collectors/ps/titles.js';
import { parsePureFtpwho } from '../../src/collectors/pure-ftpwho/parse.js';
import { parseLstart } from '../../src/model/time.js';

// Text built from the pieces real outputs are made of, so that the generator
// reaches deep into each grammar, plus arbitrary Unicode.
const piece = fc.constantFrom(
  '|', '\\', '\\|', ' ', '  ', '\n', ':', '/', ' - ', '(', ')', '?', '%', '%4', '%e2%82', '+', '=',
  'pure-ftpd (IDLE)', 'pure-ftpd (DOWNLOAD)', 'proftpd: ', 'vsftpd: ', 'anonymous/', ' DL ', 'IDLE', 'ERR!',
  'RETR ', 'STOR ', '::1', '127.0.0.1', '24393', '0', 'alice', 'Sun Nov 22 06:06:28 2026', 'Mon Feb 30 25:61:61 2026',
);
const text = fc.oneof(fc.array(fc.oneof(piece, fc.string()), { maxLength: 40 }).map((a) => a.join('')), fc.string({ unit: 'binary' }));

describe('parsers never throw', () => {
  it('parsePs', () => fc.assert(fc.property(text, (t) => void parsePs(t)), { numRuns: 2000 }));
  it('parsePureFtpwho', () => fc.assert(fc.property(text, fc.integer(), (t, now) => void parsePureFtpwho(t, now)), { numRuns: 2000 }));
  it('classifyTitle', () => fc.assert(fc.property(text, (t) => void classifyTitle(t)), { numRuns: 2000 }));
  it('parseLstart', () => fc.assert(fc.property(text, (t) => void parseLstart(t)), { numRuns: 2000 }));
  it('parseFormArgs', () =>
    fc.assert(fc.property(fc.array(text, { maxLength: 8 }), (words) => void parseFormArgs(words)), { numRuns: 2000 }));
});
