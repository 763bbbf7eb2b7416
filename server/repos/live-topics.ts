// What the live channels of the forum and the home feed read for many subscribers at once.
import type { Executor } from '../db/executor.ts';

/** Which of these members like this reply (one statement for every subscriber of a topic). */
export async function viewersLikingReply(db: Executor, replyId: number, viewerIds: readonly number[]): Promise<Set<number>> {
  const ids = [...new Set(viewerIds)];
  if (!ids.length) return new Set();
  const rows = await db.selectFrom('topic_reply_likes').select('user_id').where('reply_id', '=', replyId).where('user_id', 'in', ids).execute();
  return new Set(rows.map((r) => Number(r.user_id)));
}

/** Whether a post is (still) in the member's inbox: the feed channel pushes only what the home page would list. */
export async function isInFeed(db: Executor, memberId: number, postId: number): Promise<boolean> {
  return !!(await db.selectFrom('feed_items').select('post_id').where('member_id', '=', memberId).where('post_id', '=', postId).executeTakeFirst());
}
