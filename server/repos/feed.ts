// The home feed as a materialised inbox: feed_items holds, for each member, the posts and the new
// topics (of followed categories) their feed shows (newest first by feed_at, then item_key: the
// post id, or minus the topic id, so each item of a member has its own key), so a page is one range scan of feed_items_page_idx however many
// members they follow. Fan-out on read (the posts of 300 followed members, merged and sorted at
// each page) costs more the deeper the page and the more one follows; this does not.
//
// Rules that are not obvious:
// - Items are written in the transaction that publishes the post (its author, the wall owner, the
//   author's followers, the followers of its hashtags), so a committed post is in every feed at once.
// - `reasons` is a bitmask (FEED_REASONS): an unfollow withdraws one bit, and an item is deleted
//   only when no reason is left (a post on my wall by someone I unfollow stays).
// - Visibility is decided again when a page is read (post-service viewPosts): an edit that narrows
//   a post's visibility, or a follow that went, hides it even if its item is still there. Writing
//   only skips items their recipient could never see (a "mentioned people" post for followers).
// - A post committed at the very moment its author is followed may miss that one feed: the
//   follow's backfill and the post's fan-out each run before the other commits, and neither sees
//   the other's row. It stays on the author's wall; the next posts arrive normally.
// - Topics are public (policies: anyone may read them), so a new topic goes to every follower of
//   its category, written in the transaction that creates it; a topic that is moved stays where
//   it was delivered, and a deleted one leaves every feed (on delete cascade).
// - Each member keeps about `keep` newest items (config feedKeep): trimming runs after commits, on
//   a sample of recipients, and the feed simply ends there (older posts are on walls).
import { sql, type SqlBool } from 'kysely';
import type { Executor } from '../db/executor.ts';
import { olderThan, type Cursor } from '../db/pagination.ts';
import type { Visibility } from '../db/schema.ts';
import { recordLiveEvents } from './live-events.ts';
import { cutOff } from './blocks.ts';

export const FEED_REASONS = {
  /** the member wrote it */
  own: 1,
  /** the member follows its author (their posts and their shares) */
  followed: 2,
  /** it is on the member's wall */
  wall: 4,
  /** it carries a hashtag the member follows */
  hashtag: 8,
  /** a new topic in a category the member follows (topic items only) */
  topic: 16,
} as const;
export type FeedReason = (typeof FEED_REASONS)[keyof typeof FEED_REASONS];

/** How many recent posts of a newly followed member (or hashtag) enter the follower's feed. */
export const BACKFILL = 50;

const FOLLOWERS_SEE: readonly Visibility[] = ['public', 'members', 'followers'];
const STRANGERS_SEE: readonly Visibility[] = ['public', 'members'];

export interface FeedPost {
  id: number;
  author_id: number;
  wall_owner_id: number;
  visibility: Visibility;
  created_at: Date;
}

const upsertReasons = sql`on conflict (member_id, post_id) where post_id is not null do update set reasons = feed_items.reasons | excluded.reasons`;
const upsertTopicReasons = sql`on conflict (member_id, topic_id) where topic_id is not null do update set reasons = feed_items.reasons | excluded.reasons`;

/**
 * Puts a new post in the feeds it belongs to, in one statement; answers the members reached.
 * Call it in the transaction that inserts the post, after its tags are written.
 */
export async function fanOutPost(db: Executor, post: FeedPost, tags: readonly string[]): Promise<number[]> {
  const r = FEED_REASONS;
  const toFollowers = FOLLOWERS_SEE.includes(post.visibility);
  const toTagFollowers = STRANGERS_SEE.includes(post.visibility) && tags.length > 0;
  const { rows } = await sql<{ member_id: number }>`
    insert into feed_items (member_id, post_id, feed_at, reasons)
    select member_id, ${post.id}, ${post.created_at}, bit_or(reason) from (
      select ${post.author_id}::int8 as member_id, ${r.own}::int as reason
      union all select ${post.wall_owner_id}::int8, ${r.wall}::int
      union all select follower_id, ${r.followed}::int from follows where ${toFollowers} and followee_id = ${post.author_id}
      union all select follower_id, ${r.hashtag}::int from follows where ${toTagFollowers} and hashtag = any(${[...tags]}::text[])
    ) recipients group by member_id
    ${upsertReasons}
    returning member_id`.execute(db);
  const reached = rows.map((x) => Number(x.member_id));
  await announceFeedItems(db, reached.filter((m) => m !== post.author_id), post.id);
  return reached;
}

/**
 * Tells each member's live feed channel (`feed:<member>`, server/live/topic-channels.ts) that a
 * post entered their inbox, at commit: their open home page shows "N new posts". Backfills after
 * a follow are not announced: the member who followed is the one acting, and older posts are not
 * news.
 */
async function announceFeedItems(db: Executor, memberIds: readonly number[], postId: number): Promise<void> {
  await recordLiveEvents(db, memberIds.map((m) => ({ channel: `feed:${m}`, kind: 'item', subjectId: postId })));
}

/** What a feed item points at: a post or a topic. */
export type FeedTarget = { postId: number } | { topicId: number };

/**
 * Puts one item in the feeds of everyone following something: `column` is the follows column of
 * that kind of target (followee_id, hashtag, category_id). The forum calls it for "a new topic in
 * a category you follow" with a topic item and FEED_REASONS.topic.
 */
export async function deliverToFollowersOf(
  db: Executor,
  column: 'followee_id' | 'hashtag' | 'category_id',
  values: readonly (number | string)[],
  item: FeedTarget & { feedAt: Date },
  reason: FeedReason,
): Promise<number[]> {
  if (!values.length) return [];
  const isPost = 'postId' in item;
  const { rows } = await sql<{ member_id: number }>`
    insert into feed_items (member_id, ${sql.ref(isPost ? 'post_id' : 'topic_id')}, feed_at, reasons)
    select distinct follower_id, ${isPost ? item.postId : item.topicId}::int8, ${item.feedAt}::timestamptz, ${reason}::int
    from follows where ${sql.ref(column)} = any(${sql.val([...values])})
    ${isPost ? upsertReasons : upsertTopicReasons}
    returning member_id`.execute(db);
  const reached = rows.map((x) => Number(x.member_id));
  // The feed channel announces posts; topic items show on the next load (not announced live yet).
  if ('postId' in item) await announceFeedItems(db, reached, item.postId);
  return reached;
}

/** The recent topics of a category just followed enter the follower's feed (topics_category_created_idx). */
export async function backfillCategory(db: Executor, followerId: number, categoryId: number, limit = BACKFILL): Promise<void> {
  await sql`
    insert into feed_items (member_id, topic_id, feed_at, reasons)
    select ${followerId}::int8, id, created_at, ${FEED_REASONS.topic}::int from (
      select id, created_at from topics where category_id = ${categoryId}
      order by created_at desc, id desc limit ${limit}
    ) recent
    ${upsertTopicReasons}`.execute(db);
}

/**
 * After unfollowing a category: its topics leave the follower's feed (a topic item has no other
 * reason). Reads the follower's inbox (bounded by feedKeep), each topic by primary key.
 */
export async function withdrawCategory(db: Executor, followerId: number, categoryId: number): Promise<void> {
  await sql`
    delete from feed_items f using topics t
    where f.member_id = ${followerId} and f.topic_id is not null and t.id = f.topic_id and t.category_id = ${categoryId}`.execute(db);
}

/** The recent posts of a member just followed enter the feeds of their new followers (read once for all). */
export async function backfillMember(db: Executor, followerIds: readonly number[], followeeId: number, limit = BACKFILL): Promise<void> {
  if (!followerIds.length) return;
  await sql`
    insert into feed_items (member_id, post_id, feed_at, reasons)
    select f.id, recent.id, recent.created_at, ${FEED_REASONS.followed}::int
    from unnest(${[...followerIds]}::int8[]) as f(id)
    cross join (
      select id, created_at from posts where author_id = ${followeeId} and visibility = any(${[...FOLLOWERS_SEE]}::text[])
      order by created_at desc, id desc limit ${limit}
    ) recent
    ${upsertReasons}`.execute(db);
}

/** The recent posts carrying a hashtag just followed enter the follower's feed. */
export async function backfillHashtag(db: Executor, followerId: number, tag: string, limit = BACKFILL): Promise<void> {
  await sql`
    insert into feed_items (member_id, post_id, feed_at, reasons)
    select ${followerId}::int8, post_id, created_at, ${FEED_REASONS.hashtag}::int from (
      select t.post_id, t.created_at from post_tags t join posts p on p.id = t.post_id
      where t.tag = ${tag} and p.visibility = any(${[...STRANGERS_SEE]}::text[])
      order by t.created_at desc, t.post_id desc limit ${limit}
    ) recent
    ${upsertReasons}`.execute(db);
}

/**
 * Withdraws `reason` from the given items of a member; items left without a reason go. One
 * statement: the items are found once, and the delete (reason was the only one) and the update
 * (other reasons remain) touch disjoint rows.
 */
async function withdraw(db: Executor, memberId: number, reason: FeedReason, postIds: ReturnType<typeof sql>): Promise<void> {
  await sql`
    with hit as (${postIds}),
    gone as (delete from feed_items where member_id = ${memberId} and reasons = ${reason} and post_id in (select post_id from hit))
    update feed_items set reasons = reasons & ~${reason}::int
    where member_id = ${memberId} and reasons & ${reason} <> 0 and reasons & ~${reason}::int <> 0 and post_id in (select post_id from hit)`.execute(db);
}

/**
 * After an unfollow (or a removed follower): that member's posts leave the feed unless another
 * reason keeps them. Reads the follower's whole inbox (at most about feedKeep items, each checked
 * against posts by primary key): bounded, and cheaper than finding the followee's posts among all.
 */
export async function withdrawMember(db: Executor, followerId: number, followeeId: number): Promise<void> {
  await withdraw(db, followerId, FEED_REASONS.followed, sql`select f.post_id from feed_items f join posts p on p.id = f.post_id where f.member_id = ${followerId} and p.author_id = ${followeeId}`);
}

/** After unfollowing a hashtag (the follows row already deleted): its posts leave unless another followed hashtag keeps them. */
export async function withdrawHashtag(db: Executor, followerId: number, tag: string): Promise<void> {
  await withdraw(
    db,
    followerId,
    FEED_REASONS.hashtag,
    sql`select f.post_id from feed_items f join post_tags t on t.post_id = f.post_id and t.tag = ${tag}
        where f.member_id = ${followerId}
          and not exists (select 1 from post_tags o join follows fo on fo.hashtag = o.tag and fo.follower_id = ${followerId} where o.post_id = f.post_id)`,
  );
}

/**
 * Keeps the `keep` newest items of each of these members. Runs after the commit that added items;
 * concurrent trims of one member delete the same rows in the same index order, and inserts only
 * add newer rows, so no lock is needed.
 */
export async function trimFeeds(db: Executor, memberIds: readonly number[], keep: number): Promise<void> {
  if (!memberIds.length) return;
  await sql`
    delete from feed_items f using (
      select m.id as member_id, c.feed_at, c.item_key from unnest(${[...memberIds]}::int8[]) as m(id)
      cross join lateral (
        select feed_at, item_key from feed_items where member_id = m.id order by feed_at desc, item_key desc offset ${keep} limit 1
      ) c
    ) cut
    where f.member_id = cut.member_id and (f.feed_at, f.item_key) <= (cut.feed_at, cut.item_key)`.execute(db);
}

export interface FeedRow {
  post_id: number | null;
  topic_id: number | null;
  item_key: number;
  feed_at: Date;
}

/** One page of a member's feed: post or topic ids, newest first; the cursor id is the item_key. */
export async function listFeed(db: Executor, memberId: number, limit: number, before?: Cursor): Promise<FeedRow[]> {
  let q = db.selectFrom('feed_items').select(['post_id', 'topic_id', 'item_key', 'feed_at']).where('member_id', '=', memberId);
  if (before) q = q.where(olderThan('feed_at', 'item_key', before));
  return q.orderBy('feed_at', 'desc').orderBy('item_key', 'desc').limit(limit).execute();
}

/** The newest public posts (the home page of visitors), by the posts_public_idx index. */
export async function listPublicPostIds(db: Executor, limit: number, before?: Cursor): Promise<{ id: number; created_at: Date }[]> {
  // Hidden and held posts are filtered here so the page keeps its size (viewPosts checks again).
  let q = db.selectFrom('posts').select(['id', 'created_at']).where('visibility', '=', 'public').where('hidden_at', 'is', null).where('held_at', 'is', null);
  if (before) q = q.where(olderThan('created_at', 'id', before));
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export interface SuggestedMember {
  id: number;
  handle: string;
  display_name: string;
  avatar_key: string | null;
  post_count: number;
}

/** Active members who post the most, that the member does not follow yet. */
export async function mostActiveMembers(db: Executor, memberId: number, limit: number): Promise<SuggestedMember[]> {
  return db
    .selectFrom('profiles as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select(['u.id', 'u.handle', 'u.display_name', 'p.avatar_key', 'p.post_count'])
    .where('u.status', '=', 'active')
    .where('p.user_id', '<>', memberId)
    .where('p.post_count', '>', 0)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('follows as f').select(sql`1`.as('one')).where('f.follower_id', '=', memberId).whereRef('f.followee_id', '=', 'p.user_id'))))
    // never across a block, nor a member the viewer muted
    .where(sql<SqlBool>`not ${cutOff(memberId, sql.ref('p.user_id'))}`)
    .orderBy('p.post_count', 'desc')
    .orderBy('p.user_id', 'desc')
    .limit(limit)
    .execute();
}

/** Active members sharing skills or interests with the member (most shared first), not followed yet. */
export async function membersSharingTags(db: Executor, memberId: number, limit: number): Promise<(SuggestedMember & { shared: number })[]> {
  const { rows } = await sql<SuggestedMember & { shared: number }>`
    select u.id, u.handle, u.display_name, p.avatar_key, p.post_count, count(*)::int as shared
    from profile_tags mine
    join profile_tags other on lower(other.tag) = lower(mine.tag) and other.kind in ('skill', 'interest') and other.user_id <> mine.user_id
    join users u on u.id = other.user_id and u.status = 'active'
    join profiles p on p.user_id = u.id
    where mine.user_id = ${memberId} and mine.kind in ('skill', 'interest')
      and not exists (select 1 from follows f where f.follower_id = ${memberId} and f.followee_id = u.id)
      and not ${cutOff(memberId, sql.ref('u.id'))}
    group by u.id, u.handle, u.display_name, p.avatar_key, p.post_count
    order by shared desc, p.post_count desc, u.id desc
    limit ${limit}`.execute(db);
  return rows.map((r) => ({ ...r, shared: Number(r.shared) }));
}
