import { sql, type Kysely } from 'kysely';

// Followers and the home feed.
// - profiles.approve_followers: follows of this member wait in follow_requests until accepted.
//   A request is not a follow (it never opens followers-only posts), so it has its own table.
// - feed_items: each member's materialised inbox (fan-out on write), read by one index range scan
//   whatever the number of followed members. `reasons` is a bitmask of why the post is there
//   (server/services/feed-service.ts): an unfollow withdraws one reason, and an item whose last
//   reason goes is deleted. Later sources (a topic in a followed category) add a bit and, when they
//   are not posts, a nullable target column next to post_id.
// - follows_following_idx: "whom does X follow", newest first (the following list).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table profiles add column approve_followers boolean not null default false`.execute(db);

  await db.schema
    .createTable('follow_requests')
    .addColumn('requester_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('target_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('follow_requests_pkey', ['requester_id', 'target_id'])
    .addCheckConstraint('follow_requests_not_self', sql`requester_id <> target_id`)
    .execute();
  await sql`create index follow_requests_target_idx on follow_requests (target_id, created_at desc, requester_id desc)`.execute(db);

  await sql`create index follows_following_idx on follows (follower_id, created_at desc, followee_id desc) where followee_id is not null`.execute(db);

  await db.schema
    .createTable('feed_items')
    .addColumn('member_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('feed_at', sql`timestamptz(3)`, (c) => c.notNull())
    .addColumn('reasons', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('feed_items_pkey', ['member_id', 'post_id'])
    .addCheckConstraint('feed_items_reasons_set', sql`reasons > 0`)
    .execute();
  await sql`create index feed_items_page_idx on feed_items (member_id, feed_at desc, post_id desc)`.execute(db);
  // Deleting a post cascades here.
  await sql`create index feed_items_post_idx on feed_items (post_id)`.execute(db);
  // Suggestions for an empty feed: the most active members.
  await sql`create index profiles_post_count_idx on profiles (post_count desc, user_id desc)`.execute(db);
  await sql`create index profile_tags_lower_tag_idx on profile_tags (lower(tag), user_id) where kind in ('skill', 'interest')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index profile_tags_lower_tag_idx`.execute(db);
  await sql`drop index profiles_post_count_idx`.execute(db);
  await db.schema.dropTable('feed_items').execute();
  await sql`drop index follows_following_idx`.execute(db);
  await db.schema.dropTable('follow_requests').execute();
  await sql`alter table profiles drop column approve_followers`.execute(db);
}
