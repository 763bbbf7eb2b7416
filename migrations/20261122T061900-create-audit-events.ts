import { sql, type Kysely } from 'kysely';

// The audit log is append-only: a trigger refuses UPDATE and DELETE, so neither a bug nor a
// compromised admin account can rewrite history through the application. Actor and target are
// plain ids (no foreign keys) so deleting an account never rewrites its past events.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'bigint')
    .addColumn('target_user_id', 'bigint')
    .addColumn('ip', 'text')
    .addColumn('request_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('audit_events_created_at_idx').on('audit_events').expression(sql`created_at desc, id desc`).execute();
  await db.schema.createIndex('audit_events_actor_idx').on('audit_events').expression(sql`actor_id, created_at desc, id desc`).execute();
  await db.schema.createIndex('audit_events_target_idx').on('audit_events').expression(sql`target_user_id, created_at desc, id desc`).execute();
  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only';
    end;
    $$`.execute(db);
  await sql`
    create trigger audit_events_no_update_delete
    before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);
  await sql`
    create trigger audit_events_no_truncate
    before truncate on audit_events
    for each statement execute function audit_events_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_events').execute();
  await sql`drop function audit_events_append_only()`.execute(db);
}
