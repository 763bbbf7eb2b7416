// What a page needs to know about the person viewing it, in one statement: whom among these
// members they follow and who among them follow back, which of these posts mention them, which
// posts and comments they liked. Pages take everything else from the content cache
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
}

const ids = (list: unknown) => new Set((Array.isArray(list) ? list : []).map(Number));

export async function findViewerFacts(db: Executor, viewerId: number, q: ViewerFactsQuery): Promise<ViewerFacts> {
  const members = [...new Set(q.memberIds)].filter((id) => id !== viewerId);
  const posts = [...new Set(q.postIds)];
  const comments = [...new Set(q.commentIds ?? [])];
  const { rows } = await sql<{ follows: unknown; followed_by: unknown; mentioned_in: unknown; liked_posts: unknown; liked_comments: unknown }>`
    select
      array(select followee_id from follows where follower_id = ${viewerId} and followee_id = any(${members}::int8[])) as follows,
      array(select follower_id from follows where follower_id = any(${members}::int8[]) and followee_id = ${viewerId}) as followed_by,
      array(select post_id from post_mentions where user_id = ${viewerId} and post_id = any(${posts}::int8[])) as mentioned_in,
      array(select post_id from post_likes where user_id = ${viewerId} and post_id = any(${posts}::int8[])) as liked_posts,
      array(select comment_id from comment_likes where user_id = ${viewerId} and comment_id = any(${comments}::int8[])) as liked_comments
  `.execute(db);
  const r = rows[0]!;
  return {
    follows: ids(r.follows),
    followedBy: ids(r.followed_by),
    mentionedIn: ids(r.mentioned_in),
    likedPosts: ids(r.liked_posts),
    likedComments: ids(r.liked_comments),
  };
}

export const NO_FACTS: ViewerFacts = {
  follows: new Set(),
  followedBy: new Set(),
  mentionedIn: new Set(),
  likedPosts: new Set(),
  likedComments: new Set(),
};
