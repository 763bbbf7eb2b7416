import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('posts')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('author_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('wall_owner_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('body', 'text', (c) => c.notNull())
    // The Markdown rendered once at write time; pages never render Markdown.
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addColumn('shared_post_id', 'bigint', (c) => c.references('posts.id').onDelete('set null'))
    .addColumn('is_share', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('edited_at', 'timestamptz')
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('comment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('share_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addCheckConstraint('posts_visibility_valid', sql`visibility in ('public', 'members', 'followers', 'mentioned')`)
    .addCheckConstraint('posts_body_length', sql`char_length(body) <= 5000`)
    .addCheckConstraint('posts_counts_non_negative', sql`like_count >= 0 and comment_count >= 0 and share_count >= 0`)
    .execute();
  await db.schema.createIndex('posts_wall_idx').on('posts').expression(sql`wall_owner_id, created_at desc, id desc`).execute();
  await db.schema.createIndex('posts_author_idx').on('posts').expression(sql`author_id, created_at desc, id desc`).execute();
  await db.schema.createIndex('posts_shared_post_idx').on('posts').column('shared_post_id').where(sql.ref('shared_post_id'), 'is not', null).execute();
  await db.schema.createIndex('posts_public_idx').on('posts').expression(sql`created_at desc, id desc`).where(sql.ref('visibility'), '=', 'public').execute();

  // Earlier versions of edited posts, for moderators.
  await db.schema
    .createTable('post_revisions')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('written_at', 'timestamptz', (c) => c.notNull())
    .addColumn('replaced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('post_revisions_post_idx').on('post_revisions').columns(['post_id', 'id']).execute();

  await db.schema
    .createTable('post_photos')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('position', 'smallint', (c) => c.notNull())
    .addColumn('media_key', 'text', (c) => c.notNull())
    .addColumn('alt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addUniqueConstraint('post_photos_post_position_key', ['post_id', 'position'])
    .execute();

  await db.schema
    .createTable('post_mentions')
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('post_mentions_pkey', ['post_id', 'user_id'])
    .execute();
  await db.schema.createIndex('post_mentions_user_idx').on('post_mentions').columns(['user_id', 'post_id']).execute();

  // Hashtags, lower-cased; created_at copies the post's so a tag page pages on one index.
  await db.schema
    .createTable('post_tags')
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull())
    .addPrimaryKeyConstraint('post_tags_pkey', ['post_id', 'tag'])
    .execute();
  await db.schema.createIndex('post_tags_tag_idx').on('post_tags').expression(sql`tag, created_at desc, post_id desc`).execute();

  await db.schema
    .createTable('comments')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('parent_id', 'bigint', (c) => c.references('comments.id').onDelete('cascade'))
    .addColumn('author_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('edited_at', 'timestamptz')
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addCheckConstraint('comments_body_length', sql`char_length(body) <= 2000`)
    .addCheckConstraint('comments_like_count_non_negative', sql`like_count >= 0`)
    .execute();
  await db.schema.createIndex('comments_post_idx').on('comments').columns(['post_id', 'created_at', 'id']).where(sql.ref('parent_id'), 'is', null).execute();
  await db.schema.createIndex('comments_parent_idx').on('comments').columns(['parent_id', 'created_at', 'id']).where(sql.ref('parent_id'), 'is not', null).execute();
  await db.schema.createIndex('comments_author_idx').on('comments').columns(['author_id']).execute();

  for (const target of ['post', 'comment'] as const) {
    await db.schema
      .createTable(`${target}_likes`)
      .addColumn(`${target}_id`, 'bigint', (c) => c.notNull().references(`${target}s.id`).onDelete('cascade'))
      .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint(`${target}_likes_pkey`, [`${target}_id`, 'user_id'])
      .execute();
    await db.schema
      .createIndex(`${target}_likes_list_idx`)
      .on(`${target}_likes`)
      .expression(sql`${sql.ref(`${target}_id`)}, created_at desc, user_id desc`)
      .execute();
    await db.schema.createIndex(`${target}_likes_user_idx`).on(`${target}_likes`).column('user_id').execute();
  }

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'bigint', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('post_id', 'bigint', (c) => c.references('posts.id').onDelete('cascade'))
    .addColumn('comment_id', 'bigint', (c) => c.references('comments.id').onDelete('cascade'))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('read_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('notifications_user_idx').on('notifications').expression(sql`user_id, created_at desc, id desc`).execute();
  await db.schema.createIndex('notifications_unread_idx').on('notifications').column('user_id').where(sql.ref('read_at'), 'is', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['notifications', 'comment_likes', 'post_likes', 'comments', 'post_tags', 'post_mentions', 'post_photos', 'post_revisions', 'posts']) {
    await db.schema.dropTable(t).execute();
  }
}
