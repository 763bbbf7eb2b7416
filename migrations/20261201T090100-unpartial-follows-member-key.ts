import { sql, type Kysely } from 'kysely';

// The member key must serve "whom does X follow" (follower_id alone) as the old primary key did:
// the visibility rule of followers-only posts reads it as a hashed subplan, and a partial index
// (where followee_id is not null) cannot serve a query that does not repeat that condition, which
// made the planner scan the whole table. A plain unique index is still unique for members (rows
// of other target kinds have a null followee_id, and nulls are distinct).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index follows_member_key`.execute(db);
  await sql`create unique index follows_member_key on follows (follower_id, followee_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index follows_member_key`.execute(db);
  await sql`create unique index follows_member_key on follows (follower_id, followee_id) where followee_id is not null`.execute(db);
}
