// The live event log and the NOTIFY that announces each event. Rules that are not obvious:
// - The NOTIFY is sent by the same statement that inserts the event, inside the writer's
//   transaction: Postgres delivers it only at commit, and never when the transaction rolls back.
// - The channel name is computed in SQL from the database and the schema, so every instance
//   (and every test file on its own schema) listens only to its own data; it is lowercase hex,
//   which PGlite's unquoted listen() accepts.
// - Payloads carry ids only (far below the 8,000-byte limit); listeners re-read the rows.
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';

export const BUS_CHANNEL_SQL = sql<string>`'entraide_' || left(md5(current_database() || '.' || current_schema()), 16)`;

export interface LiveEventRow {
  id: number;
  channel: string;
  kind: string;
  subject_id: number;
  created_at: Date;
}

export interface NewLiveEvent {
  channel: string;
  kind: string;
  subjectId: number;
}

/** Records events and announces them at commit (call inside the writer's transaction). */
export async function recordLiveEvents(db: Executor, events: readonly NewLiveEvent[]): Promise<void> {
  if (!events.length) return;
  const values = sql.join(events.map((e) => sql`(${e.channel}, ${e.kind}, ${e.subjectId}::int8)`));
  await sql`
    with e as (
      insert into live_events (channel, kind, subject_id) values ${values}
      returning id, channel, kind, subject_id, created_at
    )
    select pg_notify(${BUS_CHANNEL_SQL}, json_build_object('t', 'e', 'i', e.id, 'c', e.channel, 'k', e.kind, 's', e.subject_id,
      'a', (extract(epoch from e.created_at) * 1000)::int8)::text)
    from e
  `.execute(db);
}

/** A message that is not kept (sessions ended, cache tags): delivered at commit when inside a transaction. */
export async function notifyBus(db: Executor, payload: Record<string, unknown>): Promise<void> {
  await sql`select pg_notify(${BUS_CHANNEL_SQL}, ${JSON.stringify(payload)})`.execute(db);
}

export async function busChannelName(db: Executor): Promise<string> {
  const { rows } = await sql<{ name: string }>`select ${BUS_CHANNEL_SQL} as name`.execute(db);
  return rows[0]!.name;
}

/** Events of some channels created at or after a time, oldest first (catch-up). */
export async function listLiveEventsSince(db: Executor, channels: readonly string[], since: Date, limit: number): Promise<LiveEventRow[]> {
  if (!channels.length) return [];
  return db
    .selectFrom('live_events')
    .select(['id', 'channel', 'kind', 'subject_id', 'created_at'])
    .where('channel', 'in', [...channels])
    .where('created_at', '>=', since)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function pruneLiveEvents(db: Executor, before: Date): Promise<number> {
  const res = await db.deleteFrom('live_events').where('created_at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}

