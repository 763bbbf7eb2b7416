import type { Executor } from '../db/executor.ts';
import type { Invitation } from '../db/schema.ts';
import { olderThan, type Cursor } from '../db/pagination.ts';

export async function insertInvitation(db: Executor, inv: { token: string; createdBy: number; expiresAt: Date }): Promise<Invitation> {
  return db
    .insertInto('invitations')
    .values({ token: inv.token, created_by: inv.createdBy, expires_at: inv.expiresAt })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findInvitation(db: Executor, id: number): Promise<Invitation | undefined> {
  return db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findUsableInvitation(db: Executor, token: string, now: Date): Promise<Invitation | undefined> {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('token', '=', token)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Marks the invitation used in the same statement that checks it is usable: two sign-ups
 * racing on one link cannot both succeed. */
export async function consumeInvitation(db: Executor, token: string, userId: number, now: Date): Promise<Invitation | undefined> {
  return db
    .updateTable('invitations')
    .set({ used_at: now, used_by: userId })
    .where('token', '=', token)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
}

export async function revokeInvitation(db: Executor, id: number, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function listInvitationsBy(db: Executor, userId: number, limit: number, before?: Cursor): Promise<Invitation[]> {
  let q = db.selectFrom('invitations').selectAll().where('created_by', '=', userId);
  if (before) q = q.where(olderThan('created_at', 'id', before));
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
