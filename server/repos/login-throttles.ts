import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';

export async function findThrottle(db: Executor, key: string) {
  return db.selectFrom('login_throttles').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Counts one more failure atomically and sets the lock the caller computed from the new count.
 * Failures older than `forgetBefore` are forgotten: the count starts again. */
export async function recordFailure(
  db: Executor,
  key: string,
  now: Date,
  forgetBefore: Date,
  lockFor: (failures: number) => number,
): Promise<{ failures: number; lockedUntil: Date | null }> {
  const row = await db
    .insertInto('login_throttles')
    .values({ key, failures: 1, last_failure_at: now, locked_until: null })
    .onConflict((oc) => oc.column('key').doUpdateSet({ failures: sql`case when login_throttles.last_failure_at < ${forgetBefore} then 1 else login_throttles.failures + 1 end`, last_failure_at: now }))
    .returning(['failures'])
    .executeTakeFirstOrThrow();
  const ms = lockFor(row.failures);
  const lockedUntil = ms > 0 ? new Date(now.getTime() + ms) : null;
  if (lockedUntil) await db.updateTable('login_throttles').set({ locked_until: lockedUntil }).where('key', '=', key).execute();
  return { failures: row.failures, lockedUntil };
}

export async function clearThrottle(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('login_throttles').where('key', '=', key).execute();
}

export async function deleteStaleThrottles(db: Executor, olderThan: Date): Promise<void> {
  await db.deleteFrom('login_throttles').where('last_failure_at', '<', olderThan).execute();
}
