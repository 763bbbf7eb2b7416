// The home page: a member's feed (their posts, posts of members and hashtags they follow, shares
// by those members, posts on their wall), and for visitors the instance's recent public posts.
// A page is one range scan of the member's materialised inbox (server/repos/feed.ts explains
// why), then the cached post models and one query of the viewer's facts (posts.viewPosts), which
// checks again that the viewer may see each post. A page may therefore show fewer than PAGE_SIZE
// posts (one whose visibility narrowed since); the "older posts" cursor follows the inbox, not
// what was shown, so nothing is skipped or repeated.
import { decodeCursor, encodeCursor, type Page } from '../db/pagination.ts';
import { listFeed, listPublicPostIds, membersSharingTags, mostActiveMembers, trimFeeds, type SuggestedMember } from '../repos/feed.ts';
import { isActive } from '../policies/index.ts';
import type { CachingDeps, Viewer } from './context.ts';
import type { PostItem, PostService } from './post-service.ts';
import type { Executor } from '../db/executor.ts';

export const FEED_PAGE_SIZE = 20;
const SUGGESTIONS = 5;
/** Each recipient of a new item is trimmed back to feedKeep about once every TRIM_EVERY items. */
const TRIM_EVERY = 20;

/** Recipients whose feed a new post's commit trims (a deterministic sample, see TRIM_EVERY). */
export function trimSample(recipients: readonly number[], postId: number): number[] {
  return recipients.filter((m) => (m + postId) % TRIM_EVERY === 0);
}

/**
 * Trims feeds after a commit. Retention is housekeeping: a failure (say, a deadlock with an
 * unfollow touching the same inbox, which Postgres resolves by aborting one side) never fails the
 * action that triggered it; the next trim catches up.
 */
export async function trimQuietly(db: Executor, memberIds: readonly number[], keep: number): Promise<void> {
  if (memberIds.length) await trimFeeds(db, memberIds, keep).catch(() => {});
}

/** Trims, after a commit, the sampled feeds among those a post reached. */
export async function trimAfterFanOut(db: Executor, recipients: readonly number[], postId: number, keep: number): Promise<void> {
  await trimQuietly(db, trimSample(recipients, postId), keep);
}

export interface Suggestions {
  active: SuggestedMember[];
  sharingTags: (SuggestedMember & { shared: number })[];
}

export type HomePage =
  | { kind: 'feed'; page: Page<PostItem>; suggestions: Suggestions | null }
  | {
      kind: 'visitor';
      posts: Page<PostItem>;
      /** filled by the forum feature (recent public topics); empty until it is merged */
      topics: unknown[];
    };

export function createFeedService(deps: CachingDeps & { posts: PostService }) {
  const { db, posts } = deps;

  return {
    async home(viewer: Viewer | null, cursor: string | undefined): Promise<HomePage> {
      const before = decodeCursor(cursor);
      if (!isActive(viewer)) {
        const rows = await listPublicPostIds(db, FEED_PAGE_SIZE + 1, before);
        const shown = rows.slice(0, FEED_PAGE_SIZE);
        const last = shown[shown.length - 1];
        const items = await posts.viewPosts(null, shown.map((r) => r.id));
        // Hook for the forum: recent public topics go in `topics`.
        return { kind: 'visitor', posts: { items, next: rows.length > FEED_PAGE_SIZE && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : undefined }, topics: [] };
      }
      const rows = await listFeed(db, viewer.id, FEED_PAGE_SIZE + 1, before);
      const shown = rows.slice(0, FEED_PAGE_SIZE);
      const last = shown[shown.length - 1];
      const items = await posts.viewPosts(viewer, shown.map((r) => r.post_id));
      const next = rows.length > FEED_PAGE_SIZE && last ? encodeCursor({ createdAt: last.feed_at, id: last.post_id }) : undefined;
      const suggestions = !before && items.length === 0 ? await this.suggestions(viewer) : null;
      return { kind: 'feed', page: { items, next }, suggestions };
    },

    /** Members to follow when the feed is empty: the most active, and those sharing skills or interests. */
    async suggestions(viewer: Viewer): Promise<Suggestions> {
      const sharingTags = await membersSharingTags(db, viewer.id, SUGGESTIONS);
      const seen = new Set(sharingTags.map((m) => m.id));
      const active = (await mostActiveMembers(db, viewer.id, SUGGESTIONS * 2)).filter((m) => !seen.has(m.id)).slice(0, SUGGESTIONS);
      return { active, sharingTags };
    },
  };
}

export type FeedService = ReturnType<typeof createFeedService>;
