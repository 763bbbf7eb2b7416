import { sql, type CompiledQuery, type InferResult } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { Session } from '../db/schema.ts';

export async function insertSession(
  db: Executor,
  s: { id: string; userId: number; expiresAt: Date; userAgent: string; ip: string },
): Promise<Session> {
  return db
    .insertInto('sessions')
    .values({ id: s.id, user_id: s.userId, expires_at: s.expiresAt, user_agent: s.userAgent, ip: s.ip })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findSession(db: Executor, id: string): Promise<Session | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function touchSession(db: Executor, id: string, values: { expiresAt?: Date; lastSeenAt: Date; ip?: string }): Promise<void> {
  await db
    .updateTable('sessions')
    .set({
      last_seen_at: values.lastSeenAt,
      ...(values.expiresAt ? { expires_at: values.expiresAt } : {}),
      ...(values.ip ? { ip: values.ip } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function deleteSession(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

/** Answers whether a row was deleted: a session of another user is never touched. */
export async function deleteUserSession(db: Executor, userId: number, id: string): Promise<boolean> {
  const res = await db.deleteFrom('sessions').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function deleteAllUserSessions(db: Executor, userId: number): Promise<number> {
  const res = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(res.numDeletedRows);
}

export async function listUserSessions(db: Executor, userId: number): Promise<Session[]> {
  // A user has a handful of sessions (expired ones are purged), so no paging is needed here.
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('expires_at', '>', new Date())
    .orderBy('last_seen_at', 'desc')
    .limit(200)
    .execute();
}

export async function deleteExpiredSessions(db: Executor, now: Date): Promise<number> {
  const res = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(res.numDeletedRows);
}

function sessionsWithUsers(db: Executor) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([
      's.id as session_id',
      's.expires_at',
      's.last_seen_at',
      's.ip as session_ip',
      'u.id',
      'u.handle',
      'u.display_name',
      'u.role',
      'u.status',
      'u.locale',
    ])
    // Moderation: until when the member is suspended (indefinite counts as year 9999), and whether
    // a warning waits for acknowledgement. Both read the partial index of unlifted sanctions.
    .select(
      sql<Date | null>`(select max(coalesce(ms.ends_at, timestamptz '9999-12-31')) from moderation_sanctions ms where ms.user_id = u.id and ms.kind = 'suspension' and ms.lifted_at is null)`.as(
        'suspended_until',
      ),
    )
    .select(
      sql<boolean>`exists (select 1 from moderation_sanctions mw where mw.user_id = u.id and mw.kind = 'warning' and mw.lifted_at is null and mw.acknowledged_at is null)`.as(
        'must_acknowledge',
      ),
    );
}

export type SessionWithUser = InferResult<ReturnType<typeof sessionsWithUsers>>[number];

// The statement is the same for every request but the session id: it is built and compiled once
// per database, then run with the id put in its place.
const SESSION_ID_SLOT = '\u0000session-id\u0000';
const compiledLookups = new WeakMap<Executor, CompiledQuery<SessionWithUser>>();

/** The session and its user in one round trip (the session service caches it: every signed-in request needs it). */
export async function findSessionWithUser(db: Executor, id: string): Promise<SessionWithUser | undefined> {
  let compiled = compiledLookups.get(db);
  if (!compiled) {
    compiled = sessionsWithUsers(db).where('s.id', '=', SESSION_ID_SLOT).compile();
    compiledLookups.set(db, compiled);
  }
  const parameters = compiled.parameters.map((p) => (p === SESSION_ID_SLOT ? id : p));
  return (await db.executeQuery<SessionWithUser>({ ...compiled, parameters })).rows[0];
}

/** Several sessions with their users, in one statement per 500 (live sockets recheck theirs together). */
export async function findSessionsWithUsers(db: Executor, ids: readonly string[]): Promise<SessionWithUser[]> {
  const unique = [...new Set(ids)];
  const rows: SessionWithUser[] = [];
  for (let i = 0; i < unique.length; i += 500) rows.push(...(await sessionsWithUsers(db).where('s.id', 'in', unique.slice(i, i + 500)).execute()));
  return rows;
}
