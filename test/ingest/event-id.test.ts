import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveEventId, eventIdOfPartsJson, numberText } from '../../src/ingest/event-id.js';

/** The definition: SHA-256 of `<system>\0<JSON.stringify(parts)>`, first 32 hex characters. */
const reference = (system: string, parts: unknown[]) =>
  `${system}-${createHash('sha256')
    .update(`${system}\u0000${JSON.stringify(parts)}`)
    .digest('hex')
    .slice(0, 32)}`;

describe('deriveEventId', () => {
  it('hashes exactly the JSON text of its parts, whatever they hold', () => {
    const cases: Array<Array<string | number | null | undefined>> = [
      [1, 4242, 1772366400000, 1000123, 'email'],
      [1, 4242, 1772366400000, 1000123, null],
      ['sub', '4242', '1772366400000', 'obj', 'merged:7'],
      [
        0,
        -0,
        -1,
        2 ** 30 - 1,
        2 ** 30,
        2 ** 31,
        2 ** 53 - 1,
        2 ** 53,
        2 ** 53 + 2,
        1e21,
        1.5,
        -1772366400000,
        NaN,
        Infinity,
        -Infinity,
      ],
      [100_000_000 * 17, 100_000_000 * 17 + 1, 1_073_741_824, 9_007_199_254_740_991],
      ['quote " backslash \\ nl \n é事😀 lone \ud800', '', undefined, null],
      [],
    ];
    for (const parts of cases)
      expect(deriveEventId('hubspot', parts), JSON.stringify(parts)).toBe(reference('hubspot', parts));
    expect(eventIdOfPartsJson('file', JSON.stringify(['a.ndjson', 1]))).toBe(
      reference('file', ['a.ndjson', 1]),
    );
  });
});

describe('numberText', () => {
  it('is String(n) for integers around the fast range and for other numbers', () => {
    const values = [
      0,
      -0,
      1,
      9,
      10,
      99_999_999,
      100_000_000,
      2 ** 30 - 1,
      2 ** 30,
      2 ** 30 + 1,
      1772366400000,
      1772366400001,
      123_400_000_007,
      2 ** 53 - 1,
      2 ** 53,
      -(2 ** 40),
      1.25,
      1e21,
      1e-7,
      NaN,
      Infinity,
    ];
    for (let n = 2 ** 30; n < 2 ** 53; n = Math.floor(n * 1.37) + 3) values.push(n, n - 1);
    for (const v of values) expect(numberText(v), String(v)).toBe(String(v));
  });
});
