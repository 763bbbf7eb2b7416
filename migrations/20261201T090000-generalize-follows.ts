import { sql, type Kysely } from 'kysely';

// One follow relation for every kind of thing a member can follow: a member (followee_id), a
// hashtag, and the targets later features add (topics, categories, groups, associations,
// neighbourhoods), each as its own nullable column with a real foreign key where there is a table
// to point at ("exclusive arc"). Exactly one target per row; each target kind has its own partial
// unique index, so "follows X" is one index probe whatever X is, and deleting the target cascades.
// A feature that adds a target kind adds its column, widens follows_one_target and adds its indexes.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table follows drop constraint follows_pkey`.execute(db);
  await sql`alter table follows alter column followee_id drop not null`.execute(db);
  await sql`alter table follows add column hashtag text`.execute(db);
  await sql`alter table follows add constraint follows_one_target check (num_nonnulls(followee_id, hashtag) = 1)`.execute(db);
  await sql`alter table follows add constraint follows_hashtag_format check (hashtag is null or (char_length(hashtag) between 1 and 50 and hashtag = lower(hashtag)))`.execute(db);
  await sql`create unique index follows_member_key on follows (follower_id, followee_id) where followee_id is not null`.execute(db);
  await sql`create unique index follows_hashtag_key on follows (follower_id, hashtag) where hashtag is not null`.execute(db);
  // Who follows a hashtag (fan-out when a post carries it).
  await sql`create index follows_hashtag_idx on follows (hashtag, created_at desc, follower_id desc) where hashtag is not null`.execute(db);
  await sql`drop index follows_followee_idx`.execute(db);
  await sql`create index follows_followee_idx on follows (followee_id, created_at desc, follower_id desc) where followee_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from follows where followee_id is null`.execute(db);
  await sql`drop index follows_followee_idx`.execute(db);
  await sql`create index follows_followee_idx on follows (followee_id, created_at desc, follower_id desc)`.execute(db);
  await sql`drop index follows_hashtag_idx`.execute(db);
  await sql`drop index follows_hashtag_key`.execute(db);
  await sql`drop index follows_member_key`.execute(db);
  await sql`alter table follows drop constraint follows_hashtag_format`.execute(db);
  await sql`alter table follows drop constraint follows_one_target`.execute(db);
  await sql`alter table follows drop column hashtag`.execute(db);
  await sql`alter table follows alter column followee_id set not null`.execute(db);
  await sql`alter table follows add constraint follows_pkey primary key (follower_id, followee_id)`.execute(db);
}
