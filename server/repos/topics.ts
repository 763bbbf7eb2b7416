// The forum's SQL: categories, topics, replies, likes on replies, read positions, topic hashtags,
// topic and category follows. Lists are keyset: topics on (last_activity_at, id) or (created_at,
// id) newest first, replies on id oldest first.
import { sql, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Executor } from '../db/executor.ts';
import { olderThan, type Cursor } from '../db/pagination.ts';
import type { ForumCategory, Topic, TopicReply } from '../db/schema.ts';
import { recordLiveEvents } from './live-events.ts';
import { cutOff } from './blocks.ts';

// ---- categories ---------------------------------------------------------------------------

export async function listCategories(db: Executor): Promise<ForumCategory[]> {
  return db.selectFrom('forum_categories').selectAll().orderBy('position').orderBy('id').execute();
}

export async function findCategory(db: Executor, id: number): Promise<ForumCategory | undefined> {
  return db.selectFrom('forum_categories').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface CategoryValues {
  name: string;
  description: string;
  colour: string;
  position: number;
  restricted: boolean;
}

export async function insertCategory(db: Executor, v: CategoryValues): Promise<ForumCategory> {
  return db.insertInto('forum_categories').values(v).returningAll().executeTakeFirstOrThrow();
}

export async function updateCategory(db: Executor, id: number, v: CategoryValues, now: Date): Promise<void> {
  await db.updateTable('forum_categories').set({ ...v, updated_at: now }).where('id', '=', id).execute();
}

// ---- topics -------------------------------------------------------------------------------

export type TopicRow = Topic & {
  author_handle: string;
  author_name: string;
  author_avatar_key: string | null;
  category_name: string;
  category_colour: string;
  last_poster_handle: string | null;
  last_poster_name: string | null;
};

/** A topic in a list, with how far the viewer has read it (null: never opened, or signed out). */
export type TopicListRow = TopicRow & { last_read_reply_id: number | null };

// A query of topics (aliased t) that lists() and withPeople() wrap; the tag list reads topic_tags too.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TopicPageQuery = SelectQueryBuilder<any, any, Topic>;
type ListOrder = 'activity' | 'created';

const topicsAs = (db: Executor) => db.selectFrom('topics as t').selectAll('t');

/**
 * Topics a list may show this viewer: none hidden by moderation (its author finds it by its link
 * and is told why), none by a member a block separates from the viewer or the viewer muted (the
 * SQL twin of isHiddenFor with the viewer facts' `hiddenMembers`, as visiblePostsFilter is for posts).
 */
function shownTopics(db: Executor, viewerId: number | null) {
  return listable(topicsAs(db), viewerId);
}

function listable(q: TopicPageQuery, viewerId: number | null): TopicPageQuery {
  q = q.where('t.hidden_at', 'is', null);
  if (viewerId === null) return q;
  return q.where(sql<SqlBool>`not ${cutOff(viewerId, sql.ref('t.author_id'))}`);
}

/** Topics (already cut to a page) with their author, category and last poster. */
function withPeople(db: Executor, page: TopicPageQuery) {
  return db
    .selectFrom(page.as('t'))
    .innerJoin('users as a', 'a.id', 't.author_id')
    .innerJoin('profiles as ap', 'ap.user_id', 't.author_id')
    .innerJoin('forum_categories as c', 'c.id', 't.category_id')
    .leftJoin('users as lp', 'lp.id', 't.last_poster_id')
    .selectAll('t')
    .select([
      'a.handle as author_handle',
      'a.display_name as author_name',
      'ap.avatar_key as author_avatar_key',
      'c.name as category_name',
      'c.colour as category_colour',
      'lp.handle as last_poster_handle',
      'lp.display_name as last_poster_name',
    ]);
}

/**
 * A list of topics with their people and the viewer's read position (one index probe per listed
 * topic). The page of topics is cut first (one index range of topics), then joined: on the bench
 * forum, planning and running the joins over the page alone costs a third of joining before the
 * limit, and the planner no longer walks the global activity index filtering by category (it did
 * for the largest category when the joins came first).
 */
function listed(db: Executor, viewerId: number | null, page: TopicPageQuery, order?: ListOrder): Promise<TopicListRow[]> {
  let q = withPeople(db, page).select((eb) =>
    viewerId === null
      ? sql<number | null>`null`.as('last_read_reply_id')
      : eb.selectFrom('topic_reads as r').select('r.last_read_reply_id').where('r.user_id', '=', viewerId).whereRef('r.topic_id', '=', 't.id').as('last_read_reply_id'),
  );
  if (order) q = q.orderBy(order === 'activity' ? 't.last_activity_at' : 't.created_at', 'desc').orderBy('t.id', 'desc');
  return q.execute() as Promise<TopicListRow[]>;
}

export async function findTopicRow(db: Executor, id: number): Promise<TopicRow | undefined> {
  return withPeople(db, topicsAs(db).where('t.id', '=', id)).executeTakeFirst();
}

/** Newest first on (last_activity_at, id) or (created_at, id), after the cursor, `limit` of them. */
function newestFirst(q: TopicPageQuery, order: ListOrder, limit: number, before?: Cursor): TopicPageQuery {
  const at = order === 'activity' ? 't.last_activity_at' : 't.created_at';
  if (before) q = q.where(olderThan(at, 't.id', before));
  return q.orderBy(at, 'desc').orderBy('t.id', 'desc').limit(limit);
}

export async function listPinnedTopics(db: Executor, categoryId: number, viewerId: number | null, limit: number): Promise<TopicListRow[]> {
  const page = newestFirst(shownTopics(db, viewerId).where('t.category_id', '=', categoryId).where('t.pinned', '=', true), 'activity', limit);
  return listed(db, viewerId, page, 'activity');
}

/** The unpinned topics of a category by last activity. */
export async function listCategoryTopics(db: Executor, categoryId: number, viewerId: number | null, limit: number, before?: Cursor): Promise<TopicListRow[]> {
  const page = newestFirst(shownTopics(db, viewerId).where('t.category_id', '=', categoryId).where('t.pinned', '=', false), 'activity', limit, before);
  return listed(db, viewerId, page, 'activity');
}

export type DiscussionFilter = 'latest' | 'unanswered' | 'followed';

/** The discussions index across categories. `tag` narrows to topics carrying that hashtag. */
export async function listDiscussions(
  db: Executor,
  filter: DiscussionFilter,
  viewerId: number | null,
  limit: number,
  before?: Cursor,
  tag?: string,
): Promise<TopicListRow[]> {
  if (tag !== undefined) {
    // topic_tags.created_at is the topic's created_at: the list pages on topic_tags_tag_idx.
    let page = listable(db.selectFrom('topic_tags as tt').innerJoin('topics as t', 't.id', 'tt.topic_id').selectAll('t').where('tt.tag', '=', tag), viewerId);
    if (before) page = page.where(olderThan('tt.created_at', 'tt.topic_id', before));
    return listed(db, viewerId, page.orderBy('tt.created_at', 'desc').orderBy('tt.topic_id', 'desc').limit(limit), 'created');
  }
  if (filter === 'unanswered') return listed(db, viewerId, newestFirst(shownTopics(db, viewerId).where('t.reply_count', '=', 0), 'created', limit, before), 'created');
  if (filter === 'followed') {
    // The newest `limit` of the followed topics, and the newest `limit` of each followed category
    // (one index range each), merged: never a walk through every topic looking for followed ones.
    const me = viewerId ?? 0;
    const after = before ? sql`and (x.last_activity_at, x.id) < (${before.createdAt}, ${before.id})` : sql``;
    const followed = sql<SqlBool>`t.id in ((
      select x.id from follows f join topics x on x.id = f.topic_id
       where f.follower_id = ${me} and f.topic_id is not null ${after}
       order by x.last_activity_at desc, x.id desc limit ${limit}
    ) union (
      select c.id from follows f cross join lateral (
        select x.id from topics x where x.category_id = f.category_id ${after}
         order by x.last_activity_at desc, x.id desc limit ${limit}
      ) c
       where f.follower_id = ${me} and f.category_id is not null
    ))`;
    return listed(db, viewerId, newestFirst(shownTopics(db, viewerId).where(followed), 'activity', limit), 'activity');
  }
  return listed(db, viewerId, newestFirst(shownTopics(db, viewerId), 'activity', limit, before), 'activity');
}

export async function insertTopic(db: Executor, v: { categoryId: number; authorId: number; title: string; body: string; bodyHtml: string }): Promise<Topic> {
  return db
    .insertInto('topics')
    .values({ category_id: v.categoryId, author_id: v.authorId, title: v.title, body: v.body, body_html: v.bodyHtml, last_poster_id: v.authorId })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** What moderators change on a topic. */
export type TopicChanges = Partial<{ title: string; pinned: boolean; locked_at: Date | null; lock_reason: string | null; category_id: number }>;

export async function updateTopic(db: Executor, id: number, set: TopicChanges): Promise<void> {
  await db.updateTable('topics').set(set).where('id', '=', id).execute();
}

export async function updateTopicBody(db: Executor, id: number, body: string, bodyHtml: string, now: Date): Promise<void> {
  await db.updateTable('topics').set({ body, body_html: bodyHtml, edited_at: now }).where('id', '=', id).execute();
}

/** A new reply: one more, and it is the newest. */
export async function bumpTopic(db: Executor, topicId: number, reply: TopicReply): Promise<void> {
  await db
    .updateTable('topics')
    .set({ reply_count: sql`reply_count + 1`, last_reply_id: reply.id, last_poster_id: reply.author_id, last_activity_at: reply.created_at } as never)
    .where('id', '=', topicId)
    .execute();
}

/** After a reply went: one fewer, and the newest is whatever is left (or the opening post). */
export async function refreshTopicAfterRemoval(db: Executor, topicId: number): Promise<void> {
  await sql`
    update topics t set
      reply_count = greatest(t.reply_count - 1, 0),
      last_reply_id = last.id,
      last_poster_id = coalesce(last.author_id, t.author_id),
      last_activity_at = coalesce(last.created_at, t.created_at)
    from (select 1) one
    left join lateral (select r.id, r.author_id, r.created_at from topic_replies r where r.topic_id = ${topicId} order by r.id desc limit 1) last on true
    where t.id = ${topicId}`.execute(db);
}

// ---- replies ------------------------------------------------------------------------------

function repliesWithPeople(db: Executor) {
  return db
    .selectFrom('topic_replies as r')
    .innerJoin('users as a', 'a.id', 'r.author_id')
    .innerJoin('profiles as ap', 'ap.user_id', 'r.author_id')
    .selectAll('r')
    .select(['a.handle as author_handle', 'a.display_name as author_name', 'ap.avatar_key as author_avatar_key']);
}

export type ReplyRow = TopicReply & { author_handle: string; author_name: string; author_avatar_key: string | null };

export async function findReply(db: Executor, id: number): Promise<ReplyRow | undefined> {
  return repliesWithPeople(db).where('r.id', '=', id).executeTakeFirst();
}

/**
 * Replies after a reply id (oldest first), or the ones just before it (`before`, returned oldest
 * first). The page of replies is cut first (one range of topic_replies_topic_idx), then joined to
 * its authors, so the plan never depends on how large the members' tables are.
 */
export async function listReplies(db: Executor, topicId: number, limit: number, from: { after?: number; before?: number }): Promise<ReplyRow[]> {
  const backwards = from.before !== undefined;
  let page = db.selectFrom('topic_replies').selectAll().where('topic_id', '=', topicId);
  if (from.before !== undefined) page = page.where('id', '<', from.before);
  else if (from.after !== undefined) page = page.where('id', '>', from.after);
  page = page.orderBy('id', backwards ? 'desc' : 'asc').limit(limit);
  return db
    .selectFrom(page.as('r'))
    .innerJoin('users as a', 'a.id', 'r.author_id')
    .innerJoin('profiles as ap', 'ap.user_id', 'r.author_id')
    .selectAll('r')
    .select(['a.handle as author_handle', 'a.display_name as author_name', 'ap.avatar_key as author_avatar_key'])
    .orderBy('r.id', 'asc')
    .execute();
}

/** How many replies of the topic come before this one, counting no further than `cap`. */
export async function countRepliesBefore(db: Executor, topicId: number, replyId: number, cap: number): Promise<number> {
  const row = await db
    .selectFrom((eb) => eb.selectFrom('topic_replies').select('id').where('topic_id', '=', topicId).where('id', '<', replyId).limit(cap).as('x'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The first reply after a reply id (the first unread one). */
export async function firstReplyAfter(db: Executor, topicId: number, afterId: number): Promise<number | undefined> {
  const row = await db.selectFrom('topic_replies').select('id').where('topic_id', '=', topicId).where('id', '>', afterId).orderBy('id').limit(1).executeTakeFirst();
  return row?.id;
}

export async function insertReply(db: Executor, v: { topicId: number; authorId: number; body: string; bodyHtml: string }): Promise<TopicReply> {
  return db
    .insertInto('topic_replies')
    .values({ topic_id: v.topicId, author_id: v.authorId, body: v.body, body_html: v.bodyHtml })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateReply(db: Executor, id: number, body: string, bodyHtml: string, now: Date): Promise<void> {
  await db.updateTable('topic_replies').set({ body, body_html: bodyHtml, edited_at: now }).where('id', '=', id).execute();
}

export async function deleteReply(db: Executor, id: number): Promise<boolean> {
  const res = await db.deleteFrom('topic_replies').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

// ---- likes on replies ---------------------------------------------------------------------

/** The counter moves only when the row really was added, in the same transaction: exact under races. */
export async function addReplyLike(db: Executor, replyId: number, userId: number): Promise<boolean> {
  const inserted = await db
    .insertInto('topic_reply_likes')
    .values({ reply_id: replyId, user_id: userId })
    .onConflict((oc) => oc.columns(['reply_id', 'user_id']).doNothing())
    .returning('reply_id')
    .executeTakeFirst();
  if (inserted) await db.updateTable('topic_replies').set({ like_count: sql`like_count + 1` } as never).where('id', '=', replyId).execute();
  return !!inserted;
}

export async function removeReplyLike(db: Executor, replyId: number, userId: number): Promise<boolean> {
  const res = await db.deleteFrom('topic_reply_likes').where('reply_id', '=', replyId).where('user_id', '=', userId).executeTakeFirst();
  const removed = Number(res.numDeletedRows) > 0;
  if (removed) await db.updateTable('topic_replies').set({ like_count: sql`greatest(like_count - 1, 0)` } as never).where('id', '=', replyId).execute();
  return removed;
}

// ---- read positions -----------------------------------------------------------------------

export async function findReadPosition(db: Executor, userId: number, topicId: number): Promise<number | null> {
  const row = await db.selectFrom('topic_reads').select('last_read_reply_id').where('user_id', '=', userId).where('topic_id', '=', topicId).executeTakeFirst();
  return row ? row.last_read_reply_id : null;
}

/** Moves the read position forward only (reading an older page never marks newer replies unread). */
export async function markRead(db: Executor, userId: number, topicId: number, replyId: number, now: Date): Promise<void> {
  await db
    .insertInto('topic_reads')
    .values({ user_id: userId, topic_id: topicId, last_read_reply_id: replyId, updated_at: now })
    .onConflict((oc) =>
      oc.columns(['user_id', 'topic_id']).doUpdateSet({
        last_read_reply_id: sql`greatest(topic_reads.last_read_reply_id, excluded.last_read_reply_id)`,
        updated_at: now,
      } as never),
    )
    .execute();
}

// ---- hashtags -----------------------------------------------------------------------------

/** Adds the tags (the topic's tag set is the union of its opening post's and its replies'). */
export async function addTopicTags(db: Executor, topicId: number, tags: string[], createdAt: Date): Promise<void> {
  if (!tags.length) return;
  await db
    .insertInto('topic_tags')
    .values(tags.map((tag) => ({ topic_id: topicId, tag, created_at: createdAt })))
    .onConflict((oc) => oc.columns(['topic_id', 'tag']).doNothing())
    .execute();
}

// ---- follows ------------------------------------------------------------------------------

export type FollowTarget = { topicId: number } | { categoryId: number };

const targetColumn = (t: FollowTarget) => ('topicId' in t ? ({ column: 'topic_id', id: t.topicId } as const) : ({ column: 'category_id', id: t.categoryId } as const));

export async function insertTargetFollow(db: Executor, followerId: number, target: FollowTarget): Promise<boolean> {
  const { column, id } = targetColumn(target);
  const row = await db
    .insertInto('follows')
    .values({ follower_id: followerId, followee_id: null, hashtag: null, [column]: id })
    .onConflict((oc) => oc.columns(['follower_id', column]).where(column, 'is not', null).doNothing())
    .returning('follower_id')
    .executeTakeFirst();
  return !!row;
}

export async function deleteTargetFollow(db: Executor, followerId: number, target: FollowTarget): Promise<boolean> {
  const { column, id } = targetColumn(target);
  const row = await db.deleteFrom('follows').where('follower_id', '=', followerId).where(column, '=', id).returning('follower_id').executeTakeFirst();
  return !!row;
}

export async function isFollowingTarget(db: Executor, followerId: number, target: FollowTarget): Promise<boolean> {
  const { column, id } = targetColumn(target);
  const row = await db.selectFrom('follows').select('follower_id').where('follower_id', '=', followerId).where(column, '=', id).executeTakeFirst();
  return !!row;
}

// ---- notifications ------------------------------------------------------------------------

/** One notification per follower of the topic, but the actor and the members in `except`. */
export async function notifyTopicFollowers(db: Executor, topicId: number, replyId: number, actorId: number, except: number[]): Promise<void> {
  const skip = [actorId, ...except];
  const inserted = await db
    .insertInto('notifications')
    .columns(['user_id', 'kind', 'actor_id', 'topic_id', 'reply_id'])
    .expression(
      db
        .selectFrom('follows as f')
        .innerJoin('users as u', 'u.id', 'f.follower_id')
        .select([
          'f.follower_id',
          sql<string>`'reply_followed_topic'`.as('kind'),
          sql<number>`${actorId}::bigint`.as('actor_id'),
          sql<number>`${topicId}::bigint`.as('topic_id'),
          sql<number>`${replyId}::bigint`.as('reply_id'),
        ])
        .where('f.topic_id', '=', topicId)
        .where('u.status', '=', 'active')
        .where('f.follower_id', 'not in', skip)
        // nobody is notified across a block, nor by a member they muted (membersCutFrom)
        .where(sql<SqlBool>`not ${cutOff(sql.ref('f.follower_id'), actorId)}`)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('notification_mutes as m').select('m.user_id').whereRef('m.user_id', '=', 'f.follower_id').where('m.kind', '=', 'reply_followed_topic'))),
        ),
    )
    .returning(['id', 'user_id'])
    .execute();
  await recordLiveEvents(
    db,
    inserted.map((n) => ({ channel: `user:${n.user_id}`, kind: 'notification', subjectId: n.id })),
  );
}

export interface TopicViewerFacts {
  lastRead: number | null;
  following: boolean;
  liked: Set<number>;
  /** among memberIds: members a block separates from the viewer, or the viewer muted (their writing is not shown) */
  hiddenMembers: Set<number>;
}

export const NO_TOPIC_FACTS: TopicViewerFacts = { lastRead: null, following: false, liked: new Set(), hiddenMembers: new Set() };

/** What a topic page needs about the viewer, in one statement. */
export async function findTopicViewerFacts(
  db: Executor,
  viewerId: number,
  topicId: number,
  replyIds: number[],
  memberIds: number[] = [],
): Promise<TopicViewerFacts> {
  const { rows } = await sql<{ last_read: number | string | null; following: boolean; liked: unknown; hidden_members: unknown }>`
    select
      (select last_read_reply_id from topic_reads where user_id = ${viewerId} and topic_id = ${topicId}) as last_read,
      exists(select 1 from follows where follower_id = ${viewerId} and topic_id = ${topicId}) as following,
      array(select reply_id from topic_reply_likes where user_id = ${viewerId} and reply_id = any(${replyIds}::int8[])) as liked,
      array(select blocked_id from member_blocks where blocker_id = ${viewerId} and blocked_id = any(${memberIds}::int8[])
            union select blocker_id from member_blocks where blocked_id = ${viewerId} and kind = 'block' and blocker_id = any(${memberIds}::int8[])) as hidden_members
  `.execute(db);
  const r = rows[0]!;
  return {
    hiddenMembers: new Set((Array.isArray(r.hidden_members) ? r.hidden_members : []).map(Number)),
    lastRead: r.last_read === null ? null : Number(r.last_read),
    following: r.following,
    liked: new Set((Array.isArray(r.liked) ? r.liked : []).map(Number)),
  };
}

// ---- the home feed ------------------------------------------------------------------------

/** Topics by id (the topic cards of a feed page), in one statement; order is the caller's. */
export async function listTopicsByIds(db: Executor, ids: readonly number[], viewerId: number | null): Promise<TopicListRow[]> {
  if (!ids.length) return [];
  return listed(db, viewerId, shownTopics(db, viewerId).where('t.id', 'in', [...ids]));
}

/** The categories the member does not follow yet (suggestions of an empty feed). */
export async function listUnfollowedCategories(db: Executor, memberId: number): Promise<ForumCategory[]> {
  return db
    .selectFrom('forum_categories as c')
    .selectAll('c')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('follows as f').select(sql`1`.as('one')).where('f.follower_id', '=', memberId).whereRef('f.category_id', '=', 'c.id'))))
    .orderBy('c.position')
    .orderBy('c.id')
    .execute();
}

/** A topic with its replies, likes, reads, tags, follows, feed items and notifications (cascades). */
export async function deleteTopic(db: Executor, id: number): Promise<boolean> {
  const res = await db.deleteFrom('topics').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
