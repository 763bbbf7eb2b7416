import { sql, type Kysely } from 'kysely';

// Moderation marks on the forum, as on posts and comments: a topic (its opening post) or a reply
// hidden by a moderator or by the reports' score is seen by its author only (isHiddenFor).
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['topics', 'topic_replies']) {
    await sql`alter table ${sql.table(table)} add column hidden_at timestamptz, add column hidden_reason text, add column hidden_by bigint references users(id) on delete set null`.execute(db);
    await sql`create index ${sql.id(`${table}_hidden_by_idx`)} on ${sql.table(table)} (hidden_by) where hidden_by is not null`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['topic_replies', 'topics']) {
    await sql`alter table ${sql.table(table)} drop column hidden_at, drop column hidden_reason, drop column hidden_by`.execute(db);
  }
}
