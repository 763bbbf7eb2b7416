import { sql, type Kysely } from 'kysely';

// The discussion forum: categories (made by admins), topics in them, replies under topics, likes
// on replies, each member's read position in each topic, hashtags of topics and replies.
// Topics carry their own counters and "last activity" so a category page or the discussions index
// reads one index range of topics and never aggregates replies.
// Follows gain two target kinds (topic, category) in the exclusive arc of the follows table, and
// notifications may be about a topic or a reply.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('forum_categories')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('colour', 'text', (c) => c.notNull().defaultTo('#3b6ea5'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    // Only moderators and admins open topics here ("Annonces"); everyone may still reply.
    .addColumn('restricted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('forum_categories_name_length', sql`char_length(name) between 1 and 60`)
    .addCheckConstraint('forum_categories_description_length', sql`char_length(description) <= 500`)
    .addCheckConstraint('forum_categories_colour_format', sql`colour ~ '^#[0-9a-f]{6}$'`)
    .execute();
  await db.schema.createIndex('forum_categories_name_key').on('forum_categories').expression(sql`lower(name)`).unique().execute();

  await db.schema
    .createTable('topics')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('category_id', 'bigint', (c) => c.notNull().references('forum_categories.id').onDelete('restrict'))
    .addColumn('author_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('edited_at', 'timestamptz')
    .addColumn('pinned', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('locked_at', 'timestamptz')
    .addColumn('lock_reason', 'text')
    .addColumn('reply_count', 'integer', (c) => c.notNull().defaultTo(0))
    // The newest reply (null: none yet), who wrote it (or the author) and when (or created_at).
    .addColumn('last_reply_id', 'bigint')
    .addColumn('last_poster_id', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('last_activity_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('topics_title_length', sql`char_length(title) between 1 and 150`)
    .addCheckConstraint('topics_body_length', sql`char_length(body) <= 5000`)
    .addCheckConstraint('topics_reply_count_non_negative', sql`reply_count >= 0`)
    .addCheckConstraint('topics_lock_reason_length', sql`lock_reason is null or char_length(lock_reason) <= 300`)
    .execute();
  // A category page (keyset on last_activity_at, id; the few pinned ones are skipped) and the
  // "followed categories" part of the discussions index; the pinned ones have their own.
  await db.schema.createIndex('topics_category_activity_idx').on('topics').expression(sql`category_id, last_activity_at desc, id desc`).execute();
  await db.schema.createIndex('topics_pinned_idx').on('topics').expression(sql`category_id, last_activity_at desc, id desc`).where(sql.ref('pinned'), '=', true).execute();
  // The discussions index: latest, and unanswered.
  await db.schema.createIndex('topics_activity_idx').on('topics').expression(sql`last_activity_at desc, id desc`).execute();
  await db.schema.createIndex('topics_unanswered_idx').on('topics').expression(sql`created_at desc, id desc`).where(sql.ref('reply_count'), '=', 0).execute();
  await db.schema.createIndex('topics_author_idx').on('topics').column('author_id').execute();
  await db.schema.createIndex('topics_last_poster_idx').on('topics').column('last_poster_id').where(sql.ref('last_poster_id'), 'is not', null).execute();

  await db.schema
    .createTable('topic_replies')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('topic_id', 'bigint', (c) => c.notNull().references('topics.id').onDelete('cascade'))
    .addColumn('author_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('edited_at', 'timestamptz')
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addCheckConstraint('topic_replies_body_length', sql`char_length(body) between 1 and 5000`)
    .addCheckConstraint('topic_replies_like_count_non_negative', sql`like_count >= 0`)
    .execute();
  // Pages of a topic are keyset on the reply id (ids grow with time within a topic).
  await db.schema.createIndex('topic_replies_topic_idx').on('topic_replies').columns(['topic_id', 'id']).execute();
  await db.schema.createIndex('topic_replies_author_idx').on('topic_replies').column('author_id').execute();
  await sql`alter table topics add constraint topics_last_reply_fkey foreign key (last_reply_id) references topic_replies (id) on delete set null`.execute(db);
  await db.schema.createIndex('topics_last_reply_idx').on('topics').column('last_reply_id').where(sql.ref('last_reply_id'), 'is not', null).execute();

  await db.schema
    .createTable('topic_reply_likes')
    .addColumn('reply_id', 'bigint', (c) => c.notNull().references('topic_replies.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('topic_reply_likes_pkey', ['reply_id', 'user_id'])
    .execute();
  await db.schema.createIndex('topic_reply_likes_user_idx').on('topic_reply_likes').columns(['user_id', 'reply_id']).execute();

  // How far each member has read each topic: 0 = the opening post only.
  await db.schema
    .createTable('topic_reads')
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('topic_id', 'bigint', (c) => c.notNull().references('topics.id').onDelete('cascade'))
    .addColumn('last_read_reply_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('topic_reads_pkey', ['user_id', 'topic_id'])
    .execute();
  await db.schema.createIndex('topic_reads_topic_idx').on('topic_reads').column('topic_id').execute();

  // Hashtags of a topic (its opening post and its replies), lower-cased; created_at is the topic's.
  await db.schema
    .createTable('topic_tags')
    .addColumn('topic_id', 'bigint', (c) => c.notNull().references('topics.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull())
    .addPrimaryKeyConstraint('topic_tags_pkey', ['topic_id', 'tag'])
    .execute();
  await db.schema.createIndex('topic_tags_tag_idx').on('topic_tags').expression(sql`tag, created_at desc, topic_id desc`).execute();

  // Follows: two more target kinds.
  await sql`alter table follows add column topic_id bigint`.execute(db);
  await sql`alter table follows add column category_id bigint`.execute(db);
  await sql`alter table follows add constraint follows_topic_fkey foreign key (topic_id) references topics (id) on delete cascade`.execute(db);
  await sql`alter table follows add constraint follows_category_fkey foreign key (category_id) references forum_categories (id) on delete cascade`.execute(db);
  await sql`alter table follows drop constraint follows_one_target`.execute(db);
  await sql`alter table follows add constraint follows_one_target check (num_nonnulls(followee_id, hashtag, topic_id, category_id) = 1)`.execute(db);
  await sql`create unique index follows_topic_key on follows (follower_id, topic_id) where topic_id is not null`.execute(db);
  await sql`create unique index follows_category_key on follows (follower_id, category_id) where category_id is not null`.execute(db);
  // Who follows a topic (fan-out of reply notifications) or a category; also serves the cascades.
  await sql`create index follows_topic_idx on follows (topic_id, follower_id) where topic_id is not null`.execute(db);
  await sql`create index follows_category_idx on follows (category_id, follower_id) where category_id is not null`.execute(db);

  // Notifications about a topic or one of its replies.
  await sql`alter table notifications add column topic_id bigint`.execute(db);
  await sql`alter table notifications add column reply_id bigint`.execute(db);
  await sql`alter table notifications add constraint notifications_topic_fkey foreign key (topic_id) references topics (id) on delete cascade`.execute(db);
  await sql`alter table notifications add constraint notifications_reply_fkey foreign key (reply_id) references topic_replies (id) on delete cascade`.execute(db);
  await sql`create index notifications_topic_idx on notifications (topic_id) where topic_id is not null`.execute(db);
  await sql`create index notifications_reply_idx on notifications (reply_id) where reply_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from notifications where topic_id is not null or reply_id is not null`.execute(db);
  await sql`drop index notifications_reply_idx`.execute(db);
  await sql`drop index notifications_topic_idx`.execute(db);
  await sql`alter table notifications drop constraint notifications_reply_fkey`.execute(db);
  await sql`alter table notifications drop constraint notifications_topic_fkey`.execute(db);
  await sql`alter table notifications drop column reply_id`.execute(db);
  await sql`alter table notifications drop column topic_id`.execute(db);

  await sql`delete from follows where topic_id is not null or category_id is not null`.execute(db);
  await sql`drop index follows_category_idx`.execute(db);
  await sql`drop index follows_topic_idx`.execute(db);
  await sql`drop index follows_category_key`.execute(db);
  await sql`drop index follows_topic_key`.execute(db);
  await sql`alter table follows drop constraint follows_one_target`.execute(db);
  await sql`alter table follows add constraint follows_one_target check (num_nonnulls(followee_id, hashtag) = 1)`.execute(db);
  await sql`alter table follows drop constraint follows_category_fkey`.execute(db);
  await sql`alter table follows drop constraint follows_topic_fkey`.execute(db);
  await sql`alter table follows drop column category_id`.execute(db);
  await sql`alter table follows drop column topic_id`.execute(db);

  await sql`alter table topics drop constraint topics_last_reply_fkey`.execute(db);
  for (const t of ['topic_tags', 'topic_reads', 'topic_reply_likes', 'topic_replies', 'topics', 'forum_categories']) {
    await db.schema.dropTable(t).execute();
  }
}
