import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveEventId } from '../../../src/ingest/event-id.js';
import { constantTimeEqual, parseJsonItems, resolveLimits, toIsoTime } from '../../../src/ingest/sources/source-helpers.js';

describe('Source helpers', () => {
  it('normalises times to UTC milliseconds and refuses impossible dates instead of rolling them over', () => {
    expect(toIsoTime(1772366400000)).toBe('2026-03-01T12:00:00.000Z');
    expect(toIsoTime('1772366400000')).toBe('2026-03-01T12:00:00.000Z');
    expect(toIsoTime('2026-03-01T13:00:00+01:00')).toBe('2026-03-01T12:00:00.000Z');
    expect(toIsoTime('2026-03-01T12:00Z')).toBe('2026-03-01T12:00:00.000Z');
    expect(toIsoTime('2024-02-29T00:00:00.000Z')).toBe('2024-02-29T00:00:00.000Z');
    for (const bad of ['2026-02-29T00:00:00.000Z', '2026-02-30T10:00:00Z', '2026-13-01T00:00:00.000Z', '2026-01-01T24:00:00.000Z', '2026-03-01', 'yesterday', '', null, {}, Number.NaN, 1e20])
      expect(toIsoTime(bad), String(bad)).toBeUndefined();
  });

  it('derives the same ids as the original createHash construction', () => {
    const original = (system: string, parts: unknown[]) => `${system}-${createHash('sha256').update(system).update('\u0000').update(JSON.stringify(parts)).digest('hex').slice(0, 32)}`;
    for (const parts of [['a', 1, null], ['ünï 東京 🚀', 2.5, 'x'], [], [undefined, 'é\u0000']]) expect(deriveEventId('sys', parts as string[])).toBe(original('sys', parts));
  });

  it('compares strings in constant time and handles unequal lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });

  it('reads JSON, JSON arrays and NDJSON, rejecting bad lines but throwing on garbage', () => {
    const limits = resolveLimits({});
    expect(parseJsonItems('{"a":1}', limits, 'x')).toEqual([{ index: 0, raw: '{"a":1}', value: { a: 1 } }]);
    expect(parseJsonItems('[{"a":1},2]', limits, 'x').map((i) => ('value' in i ? i.value : null))).toEqual([{ a: 1 }, 2]);
    const nd = parseJsonItems('{"a":1}\n{bad\n\n{"a":2}\r\n', limits, 'x');
    expect(nd.map((i) => ('error' in i ? i.error.code : i.value))).toEqual([{ a: 1 }, 'MALFORMED_JSON', { a: 2 }]);
    expect(() => parseJsonItems('{bad\n{worse', limits, 'x')).toThrow(expect.objectContaining({ code: 'MALFORMED_INPUT' }));
    expect(() => resolveLimits({ maxDepth: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
