// The content cache keeps what every viewer sees alike; a tag invalidation drops every entry built
// from that thing, and a load that overlapped a change is never kept.
import { describe, expect, it } from 'vitest';
import { createContentCache } from '../../server/services/content-cache.ts';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe('content cache', () => {
  it('serves a loaded value again until one of its tags is invalidated', async () => {
    const cache = createContentCache({ ttlMs: 60_000 });
    let loads = 0;
    const load = async () => ({ value: ++loads, tags: ['post:1', 'member:7'] });
    expect(await cache.get('k', load)).toBe(1);
    expect(await cache.get('k', load)).toBe(1);
    cache.invalidate(['member:8', 'post:2']);
    expect(await cache.get('k', load)).toBe(1);
    cache.invalidate(['member:7']);
    expect(await cache.get('k', load)).toBe(2);
  });

  it('expires entries after the TTL and loads every time when the TTL is 0', async () => {
    let clock = 0;
    const cache = createContentCache({ ttlMs: 1000, now: () => clock });
    let loads = 0;
    const load = async () => ({ value: ++loads, tags: [] });
    await cache.get('k', load);
    clock = 999;
    expect(await cache.get('k', load)).toBe(1);
    clock = 1001;
    expect(await cache.get('k', load)).toBe(2);
    const off = createContentCache({ ttlMs: 0 });
    await off.get('k', load);
    await off.get('k', load);
    expect(loads).toBe(4);
    expect(off.size).toBe(0);
  });

  it('shares one load between simultaneous callers', async () => {
    const cache = createContentCache({ ttlMs: 60_000 });
    const gate = deferred<void>();
    let loads = 0;
    const load = async () => {
      loads += 1;
      await gate.promise;
      return { value: 'v', tags: ['t'] };
    };
    const both = Promise.all([cache.get('k', load), cache.get('k', load)]);
    gate.resolve();
    expect(await both).toEqual(['v', 'v']);
    expect(loads).toBe(1);
  });

  it('does not keep a load that was running when something changed, and does not hand it to later callers', async () => {
    const cache = createContentCache({ ttlMs: 60_000 });
    const gate = deferred<void>();
    let version = 1;
    const slow = async () => {
      const seen = version;
      await gate.promise;
      return { value: seen, tags: ['post:1'] };
    };
    const first = cache.get('k', slow);
    version = 2;
    cache.invalidate(['unrelated']);
    const second = cache.get('k', async () => ({ value: version, tags: ['post:1'] }));
    gate.resolve();
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    expect(await cache.get('k', async () => ({ value: 99, tags: [] }))).toBe(2);
  });

  it('hands out but does not keep values marked keep: false, nor failures', async () => {
    const cache = createContentCache({ ttlMs: 60_000 });
    let loads = 0;
    await cache.get('k', async () => ({ value: ++loads, tags: [], keep: false }));
    expect(await cache.get('k', async () => ({ value: ++loads, tags: [] }))).toBe(2);
    await expect(cache.get('x', async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('x', async () => ({ value: 'ok', tags: [] }))).toBe('ok');
  });

  it('stays within its bound, dropping the oldest entries first', async () => {
    const cache = createContentCache({ ttlMs: 60_000, maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) await cache.get(k, async () => ({ value: k, tags: [`t:${k}`] }));
    expect(cache.size).toBe(3);
    expect(await cache.get('a', async () => ({ value: 'reloaded', tags: [] }))).toBe('reloaded');
    expect(await cache.get('d', async () => ({ value: 'reloaded', tags: [] }))).toBe('d');
  });

  it('loads only the missing values of a batch, in one call, and keeps them unless something changed meanwhile', async () => {
    const cache = createContentCache({ ttlMs: 60_000 });
    await cache.get('p:1', async () => ({ value: 'one', tags: ['post:1'] }));
    const calls: string[][] = [];
    const load = async (missing: string[]) => {
      calls.push(missing);
      return new Map(missing.filter((k) => k !== 'p:9').map((k) => [k, { value: k.toUpperCase(), tags: [`post:${k.slice(2)}`] }]));
    };
    const got = await cache.getMany(['p:1', 'p:2', 'p:3', 'p:9', 'p:2'], load);
    expect([...got.entries()]).toEqual([['p:1', 'one'], ['p:2', 'P:2'], ['p:3', 'P:3']]);
    expect(calls).toEqual([['p:2', 'p:3', 'p:9']]);
    await cache.getMany(['p:2', 'p:3'], load);
    expect(calls).toHaveLength(1);
    cache.invalidate(['post:3']);
    await cache.getMany(['p:2', 'p:3'], load);
    expect(calls[1]).toEqual(['p:3']);

    const racing = cache.getMany(['p:4'], async (missing) => {
      cache.invalidate(['anything']);
      return load(missing);
    });
    expect((await racing).get('p:4')).toBe('P:4');
    await cache.getMany(['p:4'], load);
    expect(calls.at(-1)).toEqual(['p:4']);
  });
});
