// Who follows whom. The counters on profiles move in the same transaction as the row, and only
// when the row really changed, so concurrent follows never lose or double-count an update.
import { sql } from 'kysely';
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
 * follower_count of the followee moves by delta per follower, and following_count of each
 * follower by delta, in one statement with `x = x + delta` (never read-then-write). The rows are
 * locked in id order first, so A following B while B follows A (or a batch of accepted requests
 * meeting a follow) cannot deadlock.
 */
export async function adjustFollowCounts(db: Executor, followerIds: readonly number[], followeeId: number, delta: 1 | -1): Promise<void> {
  if (!followerIds.length) return;
  await sql`
    update profiles p set
      follower_count = follower_count + case when p.user_id = ${followeeId} then ${delta * followerIds.length}::int else 0 end,
      following_count = following_count + case when p.user_id = ${followeeId} then 0 else ${delta}::int end
    from (select user_id from profiles where user_id = any(${[followeeId, ...followerIds]}::int8[]) order by user_id for update) locked
    where p.user_id = locked.user_id`.execute(db);
}
