// `npm run fuzz`: the parsers' properties (test/fuzz/properties.ts) with a
// million generated inputs each, and every transition of every time zone.
import { describe, inject, it } from 'vitest';
import { localClock } from '../../src/model/time.js';
import { checkTransition, inZone, PROPERTIES, transitions, ZONES } from './properties.js';

const runs = inject('fuzzRuns');

describe(`parser properties, ${runs} inputs each`, () => {
  for (const [name, property] of Object.entries(PROPERTIES)) it(name, () => property(runs));
});

describe('times: every offset change of every zone, 1970 to 2100, minute by minute for an hour either side', () => {
  for (const zone of ZONES) {
    it(zone, () =>
      inZone(zone, () => {
        const clock = localClock();
        for (const at of transitions(Date.UTC(1970, 0, 1), Date.UTC(2100, 0, 1))) checkTransition(clock, at);
      }),
    );
  }
});
