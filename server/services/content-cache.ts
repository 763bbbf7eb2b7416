// A short-lived, in-process cache of what pages show that is the same for every viewer: a post
// with its photos, a page of comments, the newest posts of a wall, a profile. Pages combine it
// with one query of what is particular to the viewer (whom they follow, what they liked), so a
// signed-in page costs a couple of statements instead of a dozen.
//
// Rules that are not obvious:
// - Every entry lists the tags of what it was built from (`post:12`, `member:7`, `wall:7`,
//   `profile:7`); a service that changes something invalidates its tags after the commit, and
//   every entry built from it goes. Tags are coarse on purpose: a missed tag would show stale
//   content, an extra one only costs a reload.
// - A load that was running while an invalidation happened is returned to its caller but not
//   kept: it may have read the rows just before the change committed.
// - Other instances learn of changes through the live event bus (it calls invalidate); the TTL
//   bounds staleness if that channel is down, and is the only bound before it is wired.
// - Permission checks of actions never read this cache: a like, a comment or an edit checks the
//   rows as they are now.

export interface ContentCacheOptions {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  value: unknown;
  tags: readonly string[];
  expires: number;
}

export interface Loaded<T> {
  value: T;
  tags: readonly string[];
  /** false: hand the value out but do not keep it (say, "no such member", which a sign-up may change) */
  keep?: boolean;
}

export interface ContentCache {
  /** The cached value, or the result of `load` (kept when nothing was invalidated meanwhile). */
  get<T>(key: string, load: () => Promise<Loaded<T>>): Promise<T>;
  /**
   * Several values at once: the cached ones, and the others from one call of `loadMissing` (say,
   * one query for the twenty posts of a feed page that were not cached). Keys `loadMissing` does
   * not answer are absent from the result.
   */
  getMany<T>(keys: readonly string[], loadMissing: (missing: string[]) => Promise<Map<string, Loaded<T>>>): Promise<Map<string, T>>;
  /** Drops the entries built from these tags, here and (where instances share the database) on every other instance. */
  invalidate(tags: Iterable<string>): void;
  /** Drops them here only: what another instance announced over the bus (repeating it would echo back and forth). */
  invalidateLocal(tags: Iterable<string>): void;
  clear(): void;
  readonly size: number;
}

/** Tag names, in one place so writers and readers agree. */
export const cacheTags = {
  /** a post: its body, counts, photos, visibility, and its comments */
  post: (id: number) => `post:${id}`,
  /** which posts are on a member's wall */
  wall: (ownerId: number) => `wall:${ownerId}`,
  /** how a member appears everywhere: name, handle, avatar, status */
  member: (id: number) => `member:${id}`,
  /** a member's profile page facts: bio, tags, links, answers, counts, wall policy */
  profile: (id: number) => `profile:${id}`,
  /** the admin's profile questions */
  questions: 'questions',
  /** whom a member follows and is followed by, blocks and mutes, either way (viewer facts) */
  relations: (id: number) => `relations:${id}`,
  /** a member's sessions as the request hook reads them (revocation, sanctions, role, locale) */
  sessions: (id: number) => `sessions:${id}`,
  /** a member's unread notifications count (the header badge) */
  unread: (id: number) => `unread:${id}`,
  /** a topic or reply was hidden, shown again or deleted (the counts of members notified about the forum) */
  forumHidden: 'forum-hidden',
} as const;

export function createContentCache(options: ContentCacheOptions): ContentCache {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 5000;
  const entries = new Map<string, Entry>();
  const byTag = new Map<string, Set<string>>();
  const inflight = new Map<string, Promise<unknown>>();
  let epoch = 0;

  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    for (const tag of entry.tags) {
      const keys = byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) byTag.delete(tag);
    }
  };

  const store = (key: string, loaded: Loaded<unknown>) => {
    drop(key);
    // Oldest first out: Map keeps insertion order.
    while (entries.size >= maxEntries) drop(entries.keys().next().value!);
    entries.set(key, { value: loaded.value, tags: loaded.tags, expires: now() + options.ttlMs });
    for (const tag of loaded.tags) {
      let keys = byTag.get(tag);
      if (!keys) byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  };

  const invalidateLocal = (tags: Iterable<string>) => {
    epoch += 1;
    // A load under way may predate the change: later callers start their own.
    inflight.clear();
    for (const tag of tags) {
      const keys = byTag.get(tag);
      if (!keys) continue;
      for (const key of [...keys]) drop(key);
    }
  };

  return {
    async get<T>(key: string, load: () => Promise<Loaded<T>>): Promise<T> {
      if (options.ttlMs <= 0) return (await load()).value;
      const hit = entries.get(key);
      if (hit) {
        if (hit.expires > now()) return hit.value as T;
        drop(key);
      }
      const running = inflight.get(key);
      if (running) return running as Promise<T>;
      const startedAt = epoch;
      const promise = load().then(
        (loaded) => {
          if (inflight.get(key) === promise) inflight.delete(key);
          if (epoch === startedAt && loaded.keep !== false) store(key, loaded);
          return loaded.value;
        },
        (err: unknown) => {
          if (inflight.get(key) === promise) inflight.delete(key);
          throw err;
        },
      );
      inflight.set(key, promise);
      return promise;
    },

    async getMany<T>(keys: readonly string[], loadMissing: (missing: string[]) => Promise<Map<string, Loaded<T>>>): Promise<Map<string, T>> {
      const found = new Map<string, T>();
      const missing: string[] = [];
      const t = now();
      for (const key of new Set(keys)) {
        const hit = options.ttlMs > 0 ? entries.get(key) : undefined;
        if (hit && hit.expires > t) found.set(key, hit.value as T);
        else missing.push(key);
      }
      if (missing.length === 0) return found;
      const startedAt = epoch;
      const loaded = await loadMissing(missing);
      const keep = options.ttlMs > 0 && epoch === startedAt;
      for (const [key, entry] of loaded) {
        found.set(key, entry.value);
        if (keep && entry.keep !== false) store(key, entry);
      }
      return found;
    },

    invalidate: invalidateLocal,
    invalidateLocal,

    clear() {
      epoch += 1;
      inflight.clear();
      entries.clear();
      byTag.clear();
    },

    get size() {
      return entries.size;
    },
  };
}
