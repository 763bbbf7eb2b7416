import { sql, type Kysely } from 'kysely';

// live_events: what the websocket pushes, kept for a while so a client that reconnects (or an
// instance whose LISTEN connection dropped) catches up. Only ids travel; the rows are re-read.
// notifications.actor_count: likes are grouped per item ("Ana and 3 others liked…").
// notification_mutes: the kinds a member turned off (absent means on).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('live_events')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'bigint', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('live_events_channel_length', sql`char_length(channel) <= 100`)
    .execute();
  await db.schema.createIndex('live_events_channel_idx').on('live_events').columns(['channel', 'created_at', 'id']).execute();
  await db.schema.createIndex('live_events_created_idx').on('live_events').column('created_at').execute();

  await db.schema.alterTable('notifications').addColumn('actor_count', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  // Grouping finds the unread notification of the same kind about the same item.
  await db.schema
    .createIndex('notifications_group_idx')
    .on('notifications')
    .columns(['user_id', 'kind', 'post_id', 'comment_id'])
    .where(sql.ref('read_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('notification_mutes')
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_mutes_pkey', ['user_id', 'kind'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_mutes').execute();
  await db.schema.dropIndex('notifications_group_idx').execute();
  await db.schema.alterTable('notifications').dropColumn('actor_count').execute();
  await db.schema.dropTable('live_events').execute();
}
