// Followers and following lists, follow requests (members who approve their followers), and the
// hashtag follows. The member follow rows themselves are in follows.ts.
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import { olderThan, type Cursor } from '../db/pagination.ts';

export interface PersonRow {
  id: number;
  handle: string;
  display_name: string;
  avatar_key: string | null;
  created_at: Date;
}

/** Active members following `userId`, newest follow first (follows_followee_idx). created_at is the follow's. */
export async function listFollowers(db: Executor, userId: number, limit: number, before?: Cursor): Promise<PersonRow[]> {
  let q = db
    .selectFrom('follows as f')
    .innerJoin('users as u', 'u.id', 'f.follower_id')
    .innerJoin('profiles as p', 'p.user_id', 'f.follower_id')
    .select(['u.id', 'u.handle', 'u.display_name', 'p.avatar_key', 'f.created_at'])
    .where('f.followee_id', '=', userId)
    .where('u.status', '=', 'active');
  if (before) q = q.where(olderThan('f.created_at', 'f.follower_id', before));
  return q.orderBy('f.created_at', 'desc').orderBy('f.follower_id', 'desc').limit(limit).execute();
}

/** Active members `userId` follows, newest follow first (follows_following_idx). */
export async function listFollowing(db: Executor, userId: number, limit: number, before?: Cursor): Promise<PersonRow[]> {
  let q = db
    .selectFrom('follows as f')
    .innerJoin('users as u', 'u.id', 'f.followee_id')
    .innerJoin('profiles as p', 'p.user_id', 'u.id')
    .select(['u.id', 'u.handle', 'u.display_name', 'p.avatar_key', 'f.created_at'])
    .where('f.follower_id', '=', userId)
    .where('f.followee_id', 'is not', null)
    .where('u.status', '=', 'active');
  if (before) q = q.where(sql<boolean>`(f.created_at, f.followee_id) < (${before.createdAt}, ${before.id})`);
  return q.orderBy('f.created_at', 'desc').orderBy('f.followee_id', 'desc').limit(limit).execute();
}

// ---- follow requests ---------------------------------------------------------------------

export async function insertFollowRequest(db: Executor, requesterId: number, targetId: number): Promise<boolean> {
  const row = await db
    .insertInto('follow_requests')
    .values({ requester_id: requesterId, target_id: targetId })
    .onConflict((oc) => oc.columns(['requester_id', 'target_id']).doNothing())
    .returning('requester_id')
    .executeTakeFirst();
  return !!row;
}

export async function deleteFollowRequest(db: Executor, requesterId: number, targetId: number): Promise<boolean> {
  const row = await db
    .deleteFrom('follow_requests')
    .where('requester_id', '=', requesterId)
    .where('target_id', '=', targetId)
    .returning('requester_id')
    .executeTakeFirst();
  return !!row;
}

export async function hasFollowRequest(db: Executor, requesterId: number, targetId: number): Promise<boolean> {
  return !!(await db.selectFrom('follow_requests').select('requester_id').where('requester_id', '=', requesterId).where('target_id', '=', targetId).executeTakeFirst());
}

/** Requests waiting for `targetId`, newest first. created_at is the request's. */
export async function listFollowRequests(db: Executor, targetId: number, limit: number, before?: Cursor): Promise<PersonRow[]> {
  let q = db
    .selectFrom('follow_requests as r')
    .innerJoin('users as u', 'u.id', 'r.requester_id')
    .innerJoin('profiles as p', 'p.user_id', 'u.id')
    .select(['u.id', 'u.handle', 'u.display_name', 'p.avatar_key', 'r.created_at'])
    .where('r.target_id', '=', targetId)
    .where('u.status', '=', 'active');
  if (before) q = q.where(olderThan('r.created_at', 'r.requester_id', before));
  return q.orderBy('r.created_at', 'desc').orderBy('r.requester_id', 'desc').limit(limit).execute();
}

export async function setApproveFollowers(db: Executor, userId: number, approve: boolean): Promise<void> {
  await db.updateTable('profiles').set({ approve_followers: approve }).where('user_id', '=', userId).execute();
}

// ---- hashtags ----------------------------------------------------------------------------

export async function isFollowingHashtag(db: Executor, followerId: number, tag: string): Promise<boolean> {
  return !!(await db.selectFrom('follows').select('follower_id').where('follower_id', '=', followerId).where('hashtag', '=', tag).executeTakeFirst());
}

export async function insertHashtagFollow(db: Executor, followerId: number, tag: string): Promise<boolean> {
  const { rows } = await sql<{ follower_id: number }>`
    insert into follows (follower_id, hashtag) values (${followerId}, ${tag})
    on conflict (follower_id, hashtag) where hashtag is not null do nothing returning follower_id`.execute(db);
  return rows.length > 0;
}

export async function deleteHashtagFollow(db: Executor, followerId: number, tag: string): Promise<boolean> {
  const row = await db.deleteFrom('follows').where('follower_id', '=', followerId).where('hashtag', '=', tag).returning('follower_id').executeTakeFirst();
  return !!row;
}
