import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { NewUser, Role, User, UserStatus } from '../db/schema.ts';
import type { Cursor } from '../db/pagination.ts';

export async function findUserById(db: Executor, id: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findUserByHandle(db: Executor, handle: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where(sql`lower(handle)`, '=', handle.toLowerCase()).executeTakeFirst();
}

/** Login accepts the handle or the email, in any letter case. */
export async function findUserByLogin(db: Executor, login: string): Promise<User | undefined> {
  const key = login.toLowerCase();
  const column = key.includes('@') ? sql`lower(email)` : sql`lower(handle)`;
  return db.selectFrom('users').selectAll().where(column, '=', key).executeTakeFirst();
}

export async function handleOrEmailTaken(db: Executor, handle: string, email: string): Promise<{ handle: boolean; email: boolean }> {
  const rows = await db
    .selectFrom('users')
    .select([sql<boolean>`lower(handle) = ${handle.toLowerCase()}`.as('handle_match'), sql<boolean>`lower(email) = ${email.toLowerCase()}`.as('email_match')])
    .where((eb) => eb.or([eb(sql`lower(handle)`, '=', handle.toLowerCase()), eb(sql`lower(email)`, '=', email.toLowerCase())]))
    .execute();
  return { handle: rows.some((r) => r.handle_match), email: rows.some((r) => r.email_match) };
}

/** Whether the instance has any account yet (the first one becomes admin). One index probe. */
export async function hasAnyUser(db: Executor): Promise<boolean> {
  return !!(await db.selectFrom('users').select('id').limit(1).executeTakeFirst());
}

/** Every account has a profile row from the start (counters and wall settings live there). */
export async function insertUser(db: Executor, user: NewUser): Promise<User> {
  const row = await db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  await db.insertInto('profiles').values({ user_id: row.id }).execute();
  return row;
}

export async function updatePasswordHash(db: Executor, userId: number, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, password_changed_at: sql`now()` as never }).where('id', '=', userId).execute();
}

export async function updateRole(db: Executor, userId: number, role: Role): Promise<void> {
  await db.updateTable('users').set({ role }).where('id', '=', userId).execute();
}

export async function updateLocale(db: Executor, userId: number, locale: string): Promise<void> {
  await db.updateTable('users').set({ locale }).where('id', '=', userId).execute();
}

/** Moves a pending account to its decision; answers undefined when it was no longer pending. */
export async function reviewPendingUser(
  db: Executor,
  userId: number,
  status: Extract<UserStatus, 'active' | 'rejected'>,
  reviewerId: number,
): Promise<User | undefined> {
  return db
    .updateTable('users')
    .set({ status, reviewed_at: new Date(), reviewed_by: reviewerId })
    .where('id', '=', userId)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/** Oldest first, so the people who waited longest are seen first. */
export async function listPendingUsers(db: Executor, limit: number, after?: Cursor): Promise<User[]> {
  let q = db.selectFrom('users').selectAll().where('status', '=', 'pending');
  if (after) q = q.where(sql<boolean>`(created_at, id) > (${after.createdAt}, ${after.id})`);
  return q.orderBy('created_at', 'asc').orderBy('id', 'asc').limit(limit).execute();
}

