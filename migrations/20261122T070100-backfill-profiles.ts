import { sql, type Kysely } from 'kysely';

// Accounts created before profiles existed get an empty one; new accounts get theirs at sign-up.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`insert into profiles (user_id) select id from users on conflict (user_id) do nothing`.execute(db);
}

export async function down(): Promise<void> {
  // Nothing to undo: the rows go with the table in the previous migration's down.
}
