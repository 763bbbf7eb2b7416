// The home page: a member's feed (their posts, posts of members and hashtags they follow, shares
// by those members, posts on their wall, new topics of categories they follow), and for visitors
// the instance's recent public posts and its latest topics.
// A page is one range scan of the member's materialised inbox (server/repos/feed.ts explains
// why), then the cached post models and the viewer's facts from the member cache (posts.viewPosts), which
// checks again that the viewer may see each post, and, when the page holds topics, one query of
// their cards (topics are public). A page may therefore show fewer than PAGE_SIZE
// posts (one whose visibility narrowed since); the "older posts" cursor follows the inbox, not
// what was shown, so nothing is skipped or repeated.
import { decodeCursor, encodeCursor, toPage, type Page } from '../db/pagination.ts';
import { listFeed, listPublicPostIds, membersSharingTags, mostActiveMembers, trimFeeds, type SuggestedMember } from '../repos/feed.ts';
import { isActive } from '../policies/index.ts';
import type { CachingDeps, Viewer } from './context.ts';
import type { PostItem, PostService } from './post-service.ts';
import type { TopicListItem, TopicService } from './topic-service.ts';
import type { ForumCategory } from '../db/schema.ts';
import type { Executor } from '../db/executor.ts';

export const FEED_PAGE_SIZE = 20;
const SUGGESTIONS = 5;
/** Latest topics on the visitors' home page. */
export const HOME_TOPICS = 8;
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
  /** the most active recent topics, and the categories not followed yet */
  topics: TopicListItem[];
  categories: ForumCategory[];
}

/** One item of a feed page: a post, or a new topic of a followed category. */
export type FeedEntry = { post: PostItem } | { topic: TopicListItem };

export type HomePage =
  | { kind: 'feed'; page: Page<FeedEntry>; suggestions: Suggestions | null }
  | {
      kind: 'visitor';
      posts: Page<PostItem>;
      /** the latest topics (first page only), their cursor continues on /discussions */
      topics: Page<TopicListItem> | null;
    };

export function createFeedService(deps: CachingDeps & { posts: PostService; topics: TopicService }) {
  const { db, posts, topics } = deps;

  return {
    async home(viewer: Viewer | null, cursor: string | undefined): Promise<HomePage> {
      const before = decodeCursor(cursor);
      if (!isActive(viewer)) {
        const { items: shown, next } = toPage(await listPublicPostIds(db, FEED_PAGE_SIZE + 1, before), FEED_PAGE_SIZE);
        const items = await posts.viewPosts(null, shown.map((r) => r.id));
        const latest = before ? null : await topics.recent(null, HOME_TOPICS);
        return { kind: 'visitor', posts: { items, next }, topics: latest };
      }
      const rows = await listFeed(db, viewer.id, FEED_PAGE_SIZE + 1, before);
      const shown = rows.slice(0, FEED_PAGE_SIZE);
      const last = shown[shown.length - 1];
      const postIds = shown.flatMap((r) => (r.post_id !== null ? [r.post_id] : []));
      const topicIds = shown.flatMap((r) => (r.topic_id !== null ? [r.topic_id] : []));
      const shownPosts = new Map((await posts.viewPosts(viewer, postIds)).map((p) => [p.row.id, p]));
      const cards = topicIds.length ? await topics.cards(viewer, topicIds) : new Map<number, TopicListItem>();
      // The inbox order, each item once; posts the viewer may no longer see are left out.
      const items = shown.flatMap((r): FeedEntry[] => {
        const post = r.post_id !== null ? shownPosts.get(r.post_id) : undefined;
        if (post) return [{ post }];
        const topic = r.topic_id !== null ? cards.get(r.topic_id) : undefined;
        return topic ? [{ topic }] : [];
      });
      const next = rows.length > FEED_PAGE_SIZE && last ? encodeCursor({ createdAt: last.feed_at, id: last.item_key }) : undefined;
      // Only a feed with nothing at all is "empty" (a page whose items are all hidden now has a next).
      const suggestions = !before && !next && items.length === 0 ? await this.suggestions(viewer) : null;
      return { kind: 'feed', page: { items, next }, suggestions };
    },

    /**
     * What to follow when the feed is empty: the most active members and those sharing skills or
     * interests, the most active recent topics and the categories not followed yet.
     */
    async suggestions(viewer: Viewer): Promise<Suggestions> {
      const sharingTags = await membersSharingTags(db, viewer.id, SUGGESTIONS);
      const seen = new Set(sharingTags.map((m) => m.id));
      const active = (await mostActiveMembers(db, viewer.id, SUGGESTIONS * 2)).filter((m) => !seen.has(m.id)).slice(0, SUGGESTIONS);
      const recent = await topics.recent(viewer, SUGGESTIONS);
      const categories = await topics.unfollowedCategories(viewer);
      return { active, sharingTags, topics: recent.items, categories };
    },
  };
}

export type FeedService = ReturnType<typeof createFeedService>;
