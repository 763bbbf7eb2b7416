import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('handle', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('member'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('fr'))
    .addColumn('invited_by', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('password_changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('reviewed_at', 'timestamptz')
    .addColumn('reviewed_by', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addCheckConstraint('users_handle_format', sql`handle ~ '^[A-Za-z0-9_]{3,30}$'`)
    .addCheckConstraint('users_role_valid', sql`role in ('member', 'moderator', 'admin')`)
    .addCheckConstraint('users_status_valid', sql`status in ('pending', 'active', 'rejected')`)
    .addCheckConstraint('users_locale_valid', sql`locale in ('fr', 'en')`)
    .execute();
  // Handles and emails are unique whatever their letter case.
  await sql`create unique index users_handle_lower_key on users (lower(handle))`.execute(db);
  await sql`create unique index users_email_lower_key on users (lower(email))`.execute(db);
  // The moderators' list of accounts waiting for approval, oldest first.
  await sql`create index users_pending_idx on users (created_at, id) where status = 'pending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('users').execute();
}
