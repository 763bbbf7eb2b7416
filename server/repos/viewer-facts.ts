// What a page needs to know about the person viewing it, in one statement: whom among these
// members they follow and who among them follow back, which of these posts mention them, which
// posts and comments they liked, and who is blocked or muted between them and these members. Pages take everything else from the content cache
// (server/services/content-cache.ts), so this is the one query they make per viewer.
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
