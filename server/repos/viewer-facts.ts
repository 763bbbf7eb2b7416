// What a page needs to know about the person viewing it, in one statement: whom among these
// members they follow and who among them follow back, which of these posts mention them, which
// posts and comments they liked, and who is blocked or muted between them and these members.
// Pages build the same facts from cached parts (server/services/viewer-facts.ts, with the queries
// at the end of this file) and ask this statement only for what is too large to keep; live views
// (server/repos/live-views.ts) read it for many viewers at once.
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';

export interface ViewerFactsQuery {
  /** members whose relation to the viewer matters (authors, wall owners, the profile's owner) */
  memberIds: readonly number[];
  postIds: readonly number[];
  commentIds?: readonly number[];
}

export interface ViewerFacts {
  /** members the viewer follows, among memberIds */
  follows: Set<number>;
  /** members who follow the viewer, among memberIds */
  followedBy: Set<number>;
  /** posts that mention the viewer, among postIds */
  mentionedIn: Set<number>;
  likedPosts: Set<number>;
  likedComments: Set<number>;
  /** members who blocked the viewer, among memberIds (their content is not for the viewer) */
  blockedBy: Set<number>;
  /** members the viewer blocked */
  blocking: Set<number>;
  /** members the viewer muted */
  muting: Set<number>;
  /** members whose own writing the viewer does not see: any of the three above */
  hiddenMembers: Set<number>;
}

const ids = (list: unknown) => new Set((Array.isArray(list) ? list : []).map(Number));

export async function findViewerFacts(db: Executor, viewerId: number, q: ViewerFactsQuery): Promise<ViewerFacts> {
  const members = [...new Set(q.memberIds)].filter((id) => id !== viewerId);
  const posts = [...new Set(q.postIds)];
  const comments = [...new Set(q.commentIds ?? [])];
  const { rows } = await sql<{ follows: unknown; followed_by: unknown; mentioned_in: unknown; liked_posts: unknown; liked_comments: unknown; blocked_by: unknown; blocking: unknown; muting: unknown }>`
    select
      array(select followee_id from follows where follower_id = ${viewerId} and followee_id = any(${members}::int8[])) as follows,
      array(select follower_id from follows where follower_id = any(${members}::int8[]) and followee_id = ${viewerId}) as followed_by,
      array(select post_id from post_mentions where user_id = ${viewerId} and post_id = any(${posts}::int8[])) as mentioned_in,
      array(select post_id from post_likes where user_id = ${viewerId} and post_id = any(${posts}::int8[])) as liked_posts,
      array(select comment_id from comment_likes where user_id = ${viewerId} and comment_id = any(${comments}::int8[])) as liked_comments,
      array(select blocker_id from member_blocks where blocked_id = ${viewerId} and kind = 'block' and blocker_id = any(${members}::int8[])) as blocked_by,
      array(select blocked_id from member_blocks where blocker_id = ${viewerId} and kind = 'block' and blocked_id = any(${members}::int8[])) as blocking,
      array(select blocked_id from member_blocks where blocker_id = ${viewerId} and kind = 'mute' and blocked_id = any(${members}::int8[])) as muting
  `.execute(db);
  const r = rows[0]!;
  const blockedBy = ids(r.blocked_by);
  const blocking = ids(r.blocking);
  const muting = ids(r.muting);
  return {
    blockedBy,
    blocking,
    muting,
    hiddenMembers: new Set([...blockedBy, ...blocking, ...muting]),
    follows: ids(r.follows),
    followedBy: ids(r.followed_by),
    mentionedIn: ids(r.mentioned_in),
    likedPosts: ids(r.liked_posts),
    likedComments: ids(r.liked_comments),
  };
}

/** Facts with nothing in them, each set its own (live-views fills them for many viewers). */
export const emptyViewerFacts = (): ViewerFacts => ({
  follows: new Set(),
  followedBy: new Set(),
  mentionedIn: new Set(),
  likedPosts: new Set(),
  likedComments: new Set(),
  blockedBy: new Set(),
  blocking: new Set(),
  muting: new Set(),
  hiddenMembers: new Set(),
});

export const NO_FACTS: ViewerFacts = emptyViewerFacts();

/** The `blocked` relation of canViewPost: a block either way with the author or the wall owner, or the viewer's mute of the author. */
export function blockedFrom(facts: ViewerFacts, post: { author_id: number; wall_owner_id: number }): boolean {
  const { author_id: a, wall_owner_id: w } = post;
  return facts.hiddenMembers.has(a) || facts.blockedBy.has(w) || facts.blocking.has(w);
}

// ---- the same facts, from what is kept in memory --------------------------------------------
// Pages read the facts above on every view. The services keep their parts instead (server/services/viewer-facts.ts):
// each member's relations, and who liked and who is mentioned in each post and comment, so that
// a page view costs no statement at all. Sets larger than this are not kept: what they would
// answer is asked of the database (findViewerFacts) for the few members and posts concerned.
export const KEPT_SET_MAX = 5000;

/** null: more than KEPT_SET_MAX (ask the database) */
export type KeptSet = ReadonlySet<number> | null;

export interface ViewerRelations {
  /** members the viewer follows */
  follows: KeptSet;
  /** members who follow the viewer */
  followers: KeptSet;
  blockedBy: ReadonlySet<number>;
  blocking: ReadonlySet<number>;
  muting: ReadonlySet<number>;
}

const kept = (list: unknown): KeptSet => {
  const s = ids(list);
  return s.size > KEPT_SET_MAX ? null : s;
};

/** Everything about one member that viewer facts read, in one statement (five index probes). */
export async function findViewerRelations(db: Executor, viewerId: number): Promise<ViewerRelations> {
  const over = KEPT_SET_MAX + 1;
  const { rows } = await sql<{ follows: unknown; followers: unknown; blocked_by: unknown; blocking: unknown; muting: unknown }>`
    select
      array(select followee_id from follows where follower_id = ${viewerId} and followee_id is not null limit ${over}) as follows,
      array(select follower_id from follows where followee_id = ${viewerId} limit ${over}) as followers,
      array(select blocker_id from member_blocks where blocked_id = ${viewerId} and kind = 'block') as blocked_by,
      array(select blocked_id from member_blocks where blocker_id = ${viewerId} and kind = 'block') as blocking,
      array(select blocked_id from member_blocks where blocker_id = ${viewerId} and kind = 'mute') as muting
  `.execute(db);
  const r = rows[0]!;
  return { follows: kept(r.follows), followers: kept(r.followers), blockedBy: ids(r.blocked_by), blocking: ids(r.blocking), muting: ids(r.muting) };
}

export interface PostPeople {
  likers: KeptSet;
  mentioned: ReadonlySet<number>;
}

/** Who liked and who is mentioned in each of these posts (posts that do not exist are absent). */
export async function findPostPeople(db: Executor, postIds: readonly number[]): Promise<Map<number, PostPeople>> {
  if (!postIds.length) return new Map();
  const { rows } = await sql<{ id: number; likers: unknown; mentioned: unknown }>`
    select p.id,
      array(select l.user_id from post_likes l where l.post_id = p.id limit ${KEPT_SET_MAX + 1}) as likers,
      array(select m.user_id from post_mentions m where m.post_id = p.id) as mentioned
    from posts p where p.id = any(${[...postIds]}::int8[])
  `.execute(db);
  return new Map(rows.map((r) => [Number(r.id), { likers: kept(r.likers), mentioned: ids(r.mentioned) }]));
}

/** Who liked each of these comments, with the comment's post (its cache tag). */
export async function findCommentLikers(db: Executor, commentIds: readonly number[]): Promise<Map<number, { postId: number; likers: KeptSet }>> {
  if (!commentIds.length) return new Map();
  const { rows } = await sql<{ id: number; post_id: number; likers: unknown }>`
    select c.id, c.post_id, array(select l.user_id from comment_likes l where l.comment_id = c.id limit ${KEPT_SET_MAX + 1}) as likers
    from comments c where c.id = any(${[...commentIds]}::int8[])
  `.execute(db);
  return new Map(rows.map((r) => [Number(r.id), { postId: Number(r.post_id), likers: kept(r.likers) }]));
}
