// Who follows whom. The counters on profiles move in the same transaction as the row, and only
// when the row really changed, so concurrent follows never lose or double-count an update.
import type { Executor } from '../db/executor.ts';

/** Whether followerId follows followeeId (post visibility, wall policy, the follow button). */
export async function isFollowing(db: Executor, followerId: number, followeeId: number): Promise<boolean> {
  if (followerId === followeeId) return false;
  const row = await db
    .selectFrom('follows')
    .select('follower_id')
    .where('follower_id', '=', followerId)
    .where('followee_id', '=', followeeId)
    .executeTakeFirst();
  return !!row;
}

/** Answers true when the row was inserted, false when it was there already. */
export async function insertFollow(db: Executor, followerId: number, followeeId: number): Promise<boolean> {
  const row = await db
    .insertInto('follows')
    .values({ follower_id: followerId, followee_id: followeeId })
    .onConflict((oc) => oc.columns(['follower_id', 'followee_id']).doNothing())
    .returning('follower_id')
    .executeTakeFirst();
  return !!row;
}

/** Answers true when a row was deleted, false when there was none. */
export async function deleteFollow(db: Executor, followerId: number, followeeId: number): Promise<boolean> {
  const row = await db
    .deleteFrom('follows')
    .where('follower_id', '=', followerId)
    .where('followee_id', '=', followeeId)
    .returning('follower_id')
    .executeTakeFirst();
  return !!row;
}

/**
 * follower_count of the followee and following_count of the follower move by delta, with
 * `x = x + delta` (never read-then-write). The two rows are updated in id order, so A following B
 * while B follows A cannot deadlock.
 */
export async function adjustFollowCounts(db: Executor, followerId: number, followeeId: number, delta: 1 | -1): Promise<void> {
  const updates = [
    { userId: followerId, column: 'following_count' as const },
    { userId: followeeId, column: 'follower_count' as const },
  ].sort((a, b) => a.userId - b.userId);
  for (const { userId, column } of updates) {
    await db
      .updateTable('profiles')
      .set((eb) => ({ [column]: eb(column, '+', delta) }))
      .where('user_id', '=', userId)
      .execute();
  }
}
