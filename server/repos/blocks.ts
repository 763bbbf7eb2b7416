import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { BlockKind } from '../db/schema.ts';

/**
 * SQL: `other`'s writing is not for `viewer` — a block stands between them, whichever made it, or
 * `viewer` muted `other`. The SQL twin of the viewer facts' `hiddenMembers`; each side is a value
 * or a column (sql.ref). Lists, feeds and notifications write `not ${cutOff(…)}`.
 */
export function cutOff(viewer: number | RawBuilder<unknown>, other: number | RawBuilder<unknown>): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (select 1 from member_blocks cut
    where (cut.blocker_id = ${viewer} and cut.blocked_id = ${other})
       or (cut.blocked_id = ${viewer} and cut.blocker_id = ${other} and cut.kind = 'block'))`;
}

/** Among `userIds`, those a block separates from `actorId` (either way) or who muted them: no mention reaches them. */
export async function membersCutFrom(db: Executor, actorId: number, userIds: readonly number[]): Promise<Set<number>> {
  if (!userIds.length) return new Set();
  const { rows } = await sql<{ id: string | number }>`
    select blocker_id as id from member_blocks where blocked_id = ${actorId} and blocker_id = any(${[...userIds]}::int8[])
    union
    select blocked_id as id from member_blocks where blocker_id = ${actorId} and kind = 'block' and blocked_id = any(${[...userIds]}::int8[])
  `.execute(db);
  return new Set(rows.map((r) => Number(r.id)));
}

/** Whether a block stands between two members, whichever of them made it. */
export async function blockedEitherWay(db: Executor, a: number, b: number): Promise<boolean> {
  const row = await db
    .selectFrom('member_blocks')
    .select('kind')
    .where('kind', '=', 'block')
    .where((eb) => eb.or([eb.and([eb('blocker_id', '=', a), eb('blocked_id', '=', b)]), eb.and([eb('blocker_id', '=', b), eb('blocked_id', '=', a)])]))
    .executeTakeFirst();
  return !!row;
}

/** A block or mute by `blockerId` (a block replaces a mute and the other way round). */
export async function upsertBlock(db: Executor, blockerId: number, blockedId: number, kind: BlockKind): Promise<void> {
  await db
    .insertInto('member_blocks')
    .values({ blocker_id: blockerId, blocked_id: blockedId, kind })
    .onConflict((oc) => oc.columns(['blocker_id', 'blocked_id']).doUpdateSet({ kind }))
    .execute();
}

export async function deleteBlock(db: Executor, blockerId: number, blockedId: number): Promise<boolean> {
  const res = await db.deleteFrom('member_blocks').where('blocker_id', '=', blockerId).where('blocked_id', '=', blockedId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function listBlocksBy(db: Executor, blockerId: number) {
  return db
    .selectFrom('member_blocks as b')
    .innerJoin('users as u', 'u.id', 'b.blocked_id')
    .select(['b.blocked_id', 'b.kind', 'b.created_at', 'u.handle', 'u.display_name'])
    .where('b.blocker_id', '=', blockerId)
    .orderBy('b.created_at', 'desc')
    .limit(1000)
    .execute();
}
