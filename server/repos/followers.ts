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

/**
 * Active members on one side of a relation table (follows, follow_requests), newest row first:
 * the lists below differ only in the table, the column naming the listed person and the column
 * naming the list's owner. created_at is the relation's; the cursor is (created_at, person id).
 * `person is not null` lets the planner use the partial follows indexes (hashtag rows join no one).
 */
function listPeople(
  db: Executor,
  from: 'follows' | 'follow_requests',
  person: 'follower_id' | 'followee_id' | 'requester_id',
  owner: 'follower_id' | 'followee_id' | 'target_id',
  ownerId: number,
  limit: number,
  before?: Cursor,
): Promise<PersonRow[]> {
  const personId = sql.ref<number>(`r.${person}`);
  let q = db
    .selectFrom(sql.table(from).as('r'))
    .innerJoin('users as u', (j) => j.on(sql<boolean>`u.id = ${personId}`))
    .innerJoin('profiles as p', 'p.user_id', 'u.id')
    .select(['u.id', 'u.handle', 'u.display_name', 'p.avatar_key', sql<Date>`r.created_at`.as('created_at')])
    .where(sql<boolean>`${sql.ref(`r.${owner}`)} = ${ownerId} and ${personId} is not null`)
    .where('u.status', '=', 'active');
  if (before) q = q.where(olderThan('r.created_at', `r.${person}`, before));
  return q.orderBy(sql`r.created_at`, 'desc').orderBy(personId, 'desc').limit(limit).execute();
}

/** Active members following `userId`, newest follow first (follows_followee_idx). */
export function listFollowers(db: Executor, userId: number, limit: number, before?: Cursor): Promise<PersonRow[]> {
  return listPeople(db, 'follows', 'follower_id', 'followee_id', userId, limit, before);
}

/** Active members `userId` follows, newest follow first (follows_following_idx; hashtag rows join no user). */
export function listFollowing(db: Executor, userId: number, limit: number, before?: Cursor): Promise<PersonRow[]> {
  return listPeople(db, 'follows', 'followee_id', 'follower_id', userId, limit, before);
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
export function listFollowRequests(db: Executor, targetId: number, limit: number, before?: Cursor): Promise<PersonRow[]> {
  return listPeople(db, 'follow_requests', 'requester_id', 'target_id', targetId, limit, before);
}

/**
 * Turns every waiting request to `targetId` from an active member into a follow, in one
 * statement; answers the members who now follow (a requester already following is left out).
 */
export async function acceptFollowRequests(db: Executor, targetId: number): Promise<number[]> {
  const { rows } = await sql<{ follower_id: number }>`
    with moved as (
      delete from follow_requests r using users u
      where r.target_id = ${targetId} and u.id = r.requester_id and u.status = 'active'
      returning r.requester_id
    )
    insert into follows (follower_id, followee_id)
    select requester_id, ${targetId}::int8 from moved
    on conflict (follower_id, followee_id) where followee_id is not null do nothing
    returning follower_id`.execute(db);
  return rows.map((r) => Number(r.follower_id));
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
