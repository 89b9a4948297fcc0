import { describe, expect, it } from 'vitest';
import { NearCache } from '../../src/features/online-stores/near-cache.js';

describe('NearCache', () => {
  const armed = (maxRows = 10) => {
    const c = new NearCache<{ v: number }>(maxRows);
    c.enable();
    return c;
  };

  it('answers nothing until enabled, then caches fetched rows and known-absent rows', () => {
    const c = new NearCache<{ v: number }>(10);
    const t = c.begin(['a']);
    c.end(t, ['a'], [{ v: 1 }]);
    expect(c.get('a')).toBeUndefined();
    c.enable();
    const t2 = c.begin(['a', 'b']);
    c.end(t2, ['a', 'b'], [{ v: 1 }, undefined]);
    expect(c.get('a')).toEqual({ v: 1 });
    expect(c.get('b')).toBeNull();
    expect(c.get('c')).toBeUndefined();
    expect(c.stats()).toMatchObject({ enabled: true, rows: 2, hits: 2, misses: 1 });
  });

  it('does not cache a fetch whose key was invalidated while it was in flight', () => {
    const c = armed();
    const t = c.begin(['a', 'b']);
    c.invalidate(['a']);
    c.end(t, ['a', 'b'], [{ v: 1 }, { v: 2 }]);
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b')).toEqual({ v: 2 });
    // The mark ends with the fetch: a later fetch of the key is cached.
    const t2 = c.begin(['a']);
    c.end(t2, ['a'], [{ v: 3 }]);
    expect(c.get('a')).toEqual({ v: 3 });
  });

  it('keeps the mark while another fetch of the same key is still in flight', () => {
    const c = armed();
    const t1 = c.begin(['a']);
    const t2 = c.begin(['a']);
    c.invalidate(['a']);
    c.end(t1, ['a'], [{ v: 1 }]);
    c.end(t2, ['a'], [{ v: 1 }]);
    expect(c.get('a')).toBeUndefined();
  });

  it('does not cache a fetch that a reset, a disable or a failure overtook', () => {
    const c = armed();
    let t = c.begin(['a']);
    c.reset();
    c.end(t, ['a'], [{ v: 1 }]);
    expect(c.get('a')).toBeUndefined();
    t = c.begin(['a']);
    c.disable();
    c.enable();
    c.end(t, ['a'], [{ v: 1 }]);
    expect(c.get('a')).toBeUndefined();
    t = c.begin(['a']);
    c.end(t, ['a'], undefined);
    expect(c.get('a')).toBeUndefined();
    expect(c.stats().resets).toBe(2);
  });

  it('evicts the least recently used row past maxRows', () => {
    const c = armed(2);
    const put = (k: string, v: number) => c.end(c.begin([k]), [k], [{ v }]);
    put('a', 1);
    put('b', 2);
    expect(c.get('a')).toEqual({ v: 1 }); // a is now the most recent
    put('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toEqual({ v: 1 });
    expect(c.get('c')).toEqual({ v: 3 });
    expect(c.stats().rows).toBe(2);
  });
});
