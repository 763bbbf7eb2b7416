import { sql, type Kysely } from 'kysely';

// The home feed shows new topics of followed categories next to posts: a feed item points at a
// post OR a topic (exactly one, like the follows arc). The primary key (member_id, post_id) gives
// way to one partial unique index per target kind, and pages are keyset on (feed_at, item_key)
// where item_key is the post id, or minus the topic id: unique per member whatever the kind, so a
// page is still one range scan of feed_items_page_idx.
// topics_category_created_idx: the newest topics of a category (the backfill on a category follow).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table feed_items add column topic_id bigint`.execute(db);
  await sql`alter table feed_items add constraint feed_items_topic_fkey foreign key (topic_id) references topics (id) on delete cascade`.execute(db);
  await sql`alter table feed_items drop constraint feed_items_pkey`.execute(db);
  await sql`alter table feed_items alter column post_id drop not null`.execute(db);
  await sql`alter table feed_items add constraint feed_items_one_target check (num_nonnulls(post_id, topic_id) = 1)`.execute(db);
  await sql`alter table feed_items add column item_key bigint generated always as (coalesce(post_id, -topic_id)) stored`.execute(db);
  await sql`create unique index feed_items_post_key on feed_items (member_id, post_id) where post_id is not null`.execute(db);
  await sql`create unique index feed_items_topic_key on feed_items (member_id, topic_id) where topic_id is not null`.execute(db);
  await sql`drop index feed_items_page_idx`.execute(db);
  await sql`create index feed_items_page_idx on feed_items (member_id, feed_at desc, item_key desc)`.execute(db);
  // Deleting a topic cascades here.
  await sql`create index feed_items_topic_idx on feed_items (topic_id) where topic_id is not null`.execute(db);
  await sql`create index topics_category_created_idx on topics (category_id, created_at desc, id desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index topics_category_created_idx`.execute(db);
  await sql`delete from feed_items where topic_id is not null`.execute(db);
  await sql`drop index feed_items_topic_idx`.execute(db);
  await sql`drop index feed_items_page_idx`.execute(db);
  await sql`drop index feed_items_topic_key`.execute(db);
  await sql`drop index feed_items_post_key`.execute(db);
  await sql`alter table feed_items add constraint feed_items_pkey primary key (member_id, post_id)`.execute(db);
  await sql`alter table feed_items drop column item_key`.execute(db);
  await sql`alter table feed_items drop constraint feed_items_one_target`.execute(db);
  await sql`alter table feed_items alter column post_id set not null`.execute(db);
  await sql`alter table feed_items drop constraint feed_items_topic_fkey`.execute(db);
  await sql`alter table feed_items drop column topic_id`.execute(db);
  await sql`create index feed_items_page_idx on feed_items (member_id, feed_at desc, post_id desc)`.execute(db);
}
