import { sql, type Kysely } from 'kysely';

// Blocks and mutes between members. A block hides each one's content from the other and stops
// comments, mentions and follows between them; a mute only hides the muted member's content from
// the one who muted. One row per pair and direction; "who blocked me" reads the second index.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table member_blocks (
    blocker_id bigint not null references users(id) on delete cascade,
    blocked_id bigint not null references users(id) on delete cascade,
    kind text not null constraint member_blocks_kind_valid check (kind in ('block', 'mute')),
    created_at timestamptz(3) not null default now(),
    constraint member_blocks_pkey primary key (blocker_id, blocked_id),
    constraint member_blocks_not_self check (blocker_id <> blocked_id)
  )`.execute(db);
  await sql`create index member_blocks_blocked_idx on member_blocks (blocked_id, blocker_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table member_blocks`.execute(db);
}
