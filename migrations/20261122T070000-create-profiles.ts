import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('profiles')
    .addColumn('user_id', 'bigint', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('bio', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('pronouns', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('location', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('links', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('wall_policy', 'text', (c) => c.notNull().defaultTo('everyone'))
    .addColumn('avatar_key', 'text')
    // Counters kept by the services in the same transaction as the change they count, so a
    // profile page never counts whole tables.
    .addColumn('post_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('follower_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('following_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('profiles_wall_policy_valid', sql`wall_policy in ('everyone', 'following', 'nobody')`)
    .addCheckConstraint('profiles_counts_non_negative', sql`post_count >= 0 and follower_count >= 0 and following_count >= 0`)
    .execute();

  // Skills, interests and languages a member picks: short tags, a handful each.
  await db.schema
    .createTable('profile_tags')
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('position', 'smallint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('profile_tags_pkey', ['user_id', 'kind', 'tag'])
    .addCheckConstraint('profile_tags_kind_valid', sql`kind in ('skill', 'interest', 'language')`)
    .execute();
  await db.schema.createIndex('profile_tags_kind_tag_idx').on('profile_tags').columns(['kind', 'tag']).execute();

  // Extra questions an admin adds to the sign-up and profile forms (Ning's "profile questions").
  await db.schema
    .createTable('profile_questions')
    .addColumn('id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('label_fr', 'text', (c) => c.notNull())
    .addColumn('label_en', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('choices', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('required', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('archived_at', 'timestamptz')
    .addCheckConstraint('profile_questions_kind_valid', sql`kind in ('text', 'choice')`)
    .execute();
  await db.schema
    .createTable('profile_answers')
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('question_id', 'bigint', (c) => c.notNull().references('profile_questions.id').onDelete('cascade'))
    .addColumn('answer', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('profile_answers_pkey', ['user_id', 'question_id'])
    .execute();

  await db.schema
    .createTable('follows')
    .addColumn('follower_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('followee_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('follows_pkey', ['follower_id', 'followee_id'])
    .addCheckConstraint('follows_not_self', sql`follower_id <> followee_id`)
    .execute();
  await db.schema.createIndex('follows_followee_idx').on('follows').expression(sql`followee_id, created_at desc, follower_id desc`).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('follows').execute();
  await db.schema.dropTable('profile_answers').execute();
  await db.schema.dropTable('profile_questions').execute();
  await db.schema.dropTable('profile_tags').execute();
  await db.schema.dropTable('profiles').execute();
}
