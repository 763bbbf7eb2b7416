import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { Database, Post, Visibility, WallPolicy } from '../db/schema.ts';
import { olderThan, type Cursor } from '../db/pagination.ts';

/** A column holding the viewer's id, for a filter inside a correlated subquery. */
export interface ViewerColumn {
  column: string;
}

/**
 * The SQL form of canViewPost (server/policies/index.ts), for lists. `viewer` is null for a
 * visitor or an account that is not active. Keep the two in step: the visibility-matrix tests
 * compare walls and tag pages (this) with permalinks (the policy).
 */
export function visiblePostsFilter(viewer: number | null | ViewerColumn) {
  return (eb: ExpressionBuilder<Database & { p: Database['posts'] }, 'p'>): Expression<SqlBool> => {
    // Twin of isHiddenFor (policies): hidden or held posts only for their author.
    const notHidden = eb.and([eb('p.hidden_at', 'is', null), eb('p.held_at', 'is', null)]);
    if (viewer === null) return eb.and([notHidden, eb('p.visibility', '=', 'public')]);
    const viewerId = (typeof viewer === 'number' ? viewer : sql.ref(viewer.column)) as number;
    // Twin of the `blocked` relation: no block either way with the author or the wall owner, no mute of the author.
    const notBlocked = eb.not(
      eb.exists(
        eb
          .selectFrom('member_blocks as b')
          .select(sql`1`.as('one'))
          .where((w) =>
            w.or([
              w.and([w('b.blocker_id', '=', viewerId), w.or([w('b.blocked_id', '=', w.ref('p.author_id')), w.and([w('b.kind', '=', 'block'), w('b.blocked_id', '=', w.ref('p.wall_owner_id'))])])]),
              w.and([w('b.blocked_id', '=', viewerId), w('b.kind', '=', 'block'), w.or([w('b.blocker_id', '=', w.ref('p.author_id')), w('b.blocker_id', '=', w.ref('p.wall_owner_id'))])]),
            ]),
          ),
      ),
    );
    return eb.and([notBlocked, eb.or([notHidden, eb('p.author_id', '=', viewerId)]), eb.or([
      eb('p.visibility', 'in', ['public', 'members']),
      eb('p.author_id', '=', viewerId),
      eb('p.wall_owner_id', '=', viewerId),
      eb.and([
        eb('p.visibility', '=', 'followers'),
        eb.exists(
          eb.selectFrom('follows as f').select(sql`1`.as('one')).where('f.follower_id', '=', viewerId).whereRef('f.followee_id', '=', 'p.author_id'),
        ),
      ]),
      eb.and([
        eb('p.visibility', '=', 'mentioned'),
        eb.exists(eb.selectFrom('post_mentions as m').select(sql`1`.as('one')).where('m.user_id', '=', viewerId).whereRef('m.post_id', '=', 'p.id')),
      ]),
    ])]);
  };
}

/** A post with what every view of it needs about its author and wall. */
function postsWithPeople(db: Executor) {
  return db
    .selectFrom('posts as p')
    .innerJoin('users as a', 'a.id', 'p.author_id')
    .innerJoin('profiles as ap', 'ap.user_id', 'p.author_id')
    .innerJoin('users as w', 'w.id', 'p.wall_owner_id')
    .selectAll('p')
    .select(['a.handle as author_handle', 'a.display_name as author_name', 'ap.avatar_key as author_avatar_key', 'w.handle as wall_handle', 'w.display_name as wall_name']);
}

export type PostRow = Post & {
  author_handle: string;
  author_name: string;
  author_avatar_key: string | null;
  wall_handle: string;
  wall_name: string;
};

export async function findPostRow(db: Executor, id: number): Promise<PostRow | undefined> {
  return postsWithPeople(db).where('p.id', '=', id).executeTakeFirst();
}

export async function findPostsByIds(db: Executor, ids: number[]): Promise<PostRow[]> {
  if (ids.length === 0) return [];
  return postsWithPeople(db).where('p.id', 'in', ids).execute();
}

/** `viewerId` 'everything': every post of the wall whatever its visibility (the content cache filters per viewer). */
export async function listWallPosts(db: Executor, ownerId: number, viewerId: number | null | 'everything', limit: number, before?: Cursor): Promise<PostRow[]> {
  let q = postsWithPeople(db).where('p.wall_owner_id', '=', ownerId);
  if (viewerId !== 'everything') q = q.where(visiblePostsFilter(viewerId));
  if (before) q = q.where(olderThan('p.created_at', 'p.id', before));
  return q.orderBy('p.created_at', 'desc').orderBy('p.id', 'desc').limit(limit).execute();
}

export async function listTagPosts(db: Executor, tag: string, viewerId: number | null, limit: number, before?: Cursor): Promise<PostRow[]> {
  let q = postsWithPeople(db)
    .innerJoin('post_tags as t', 't.post_id', 'p.id')
    .where('t.tag', '=', tag)
    .where(visiblePostsFilter(viewerId));
  if (before) q = q.where(olderThan('t.created_at', 't.post_id', before));
  return q.orderBy('t.created_at', 'desc').orderBy('t.post_id', 'desc').limit(limit).execute();
}

export async function insertPost(
  db: Executor,
  p: { authorId: number; wallOwnerId: number; body: string; bodyHtml: string; visibility: Visibility; sharedPostId?: number | null },
): Promise<Post> {
  return db
    .insertInto('posts')
    .values({
      author_id: p.authorId,
      wall_owner_id: p.wallOwnerId,
      body: p.body,
      body_html: p.bodyHtml,
      visibility: p.visibility,
      shared_post_id: p.sharedPostId ?? null,
      is_share: p.sharedPostId != null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Keeps the version being replaced, then writes the new one. */
export async function updatePostBody(db: Executor, post: Post, values: { body: string; bodyHtml: string; visibility: Visibility }, now: Date): Promise<void> {
  await db.insertInto('post_revisions').values({ post_id: post.id, body: post.body, written_at: post.edited_at ?? post.created_at }).execute();
  await db
    .updateTable('posts')
    .set({ body: values.body, body_html: values.bodyHtml, visibility: values.visibility, edited_at: now })
    .where('id', '=', post.id)
    .execute();
}

export async function listRevisions(db: Executor, postId: number) {
  return db.selectFrom('post_revisions').selectAll().where('post_id', '=', postId).orderBy('id', 'desc').limit(100).execute();
}

export async function deletePost(db: Executor, id: number): Promise<boolean> {
  const res = await db.deleteFrom('posts').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function adjustPostCounter(db: Executor, id: number, column: 'like_count' | 'comment_count' | 'share_count', delta: number): Promise<void> {
  await db
    .updateTable('posts')
    .set({ [column]: sql`greatest(${sql.ref(column)} + ${delta}, 0)` } as never)
    .where('id', '=', id)
    .execute();
}

export async function adjustProfilePostCount(db: Executor, userId: number, delta: number): Promise<void> {
  await db
    .updateTable('profiles')
    .set({ post_count: sql`greatest(post_count + ${delta}, 0)` } as never)
    .where('user_id', '=', userId)
    .execute();
}

// ---- mentions, tags, photos -----------------------------------------------------------

export async function replaceMentions(db: Executor, postId: number, userIds: number[]): Promise<void> {
  await db.deleteFrom('post_mentions').where('post_id', '=', postId).execute();
  if (userIds.length) await db.insertInto('post_mentions').values(userIds.map((user_id) => ({ post_id: postId, user_id }))).execute();
}

export async function mentionedUserIds(db: Executor, postId: number): Promise<number[]> {
  return (await db.selectFrom('post_mentions').select('user_id').where('post_id', '=', postId).execute()).map((r) => r.user_id);
}

export async function isMentioned(db: Executor, postId: number, userId: number): Promise<boolean> {
  return !!(await db.selectFrom('post_mentions').select('post_id').where('post_id', '=', postId).where('user_id', '=', userId).executeTakeFirst());
}

export async function replaceTags(db: Executor, postId: number, tags: string[], createdAt: Date): Promise<void> {
  await db.deleteFrom('post_tags').where('post_id', '=', postId).execute();
  if (tags.length) await db.insertInto('post_tags').values(tags.map((tag) => ({ post_id: postId, tag, created_at: createdAt }))).execute();
}

export async function insertPhotos(
  db: Executor,
  postId: number,
  photos: { key: string; alt: string; width: number; height: number }[],
): Promise<void> {
  if (!photos.length) return;
  await db
    .insertInto('post_photos')
    .values(photos.map((p, position) => ({ post_id: postId, position, media_key: p.key, alt: p.alt, width: p.width, height: p.height })))
    .execute();
}

export async function listPhotos(db: Executor, postIds: number[]) {
  if (!postIds.length) return [];
  return db.selectFrom('post_photos').selectAll().where('post_id', 'in', postIds).orderBy('post_id').orderBy('position').execute();
}

// ---- likes ----------------------------------------------------------------------------

/** Inserts the like and bumps the counter only when the like is new: no lost or double counts. */
export async function addPostLike(db: Executor, postId: number, userId: number): Promise<boolean> {
  const inserted = await db
    .insertInto('post_likes')
    .values({ post_id: postId, user_id: userId })
    .onConflict((oc) => oc.columns(['post_id', 'user_id']).doNothing())
    .returning('post_id')
    .executeTakeFirst();
  if (inserted) await adjustPostCounter(db, postId, 'like_count', 1);
  return !!inserted;
}

export async function removePostLike(db: Executor, postId: number, userId: number): Promise<boolean> {
  const res = await db.deleteFrom('post_likes').where('post_id', '=', postId).where('user_id', '=', userId).executeTakeFirst();
  const removed = Number(res.numDeletedRows) > 0;
  if (removed) await adjustPostCounter(db, postId, 'like_count', -1);
  return removed;
}

export async function listLikers(
  db: Executor,
  table: 'post_likes' | 'comment_likes',
  targetId: number,
  limit: number,
  before?: { createdAt: Date; id: number },
) {
  const column = table === 'post_likes' ? 'l.post_id' : 'l.comment_id';
  let q = db
    .selectFrom(`${table} as l` as 'post_likes as l')
    .innerJoin('users as u', 'u.id', 'l.user_id')
    .innerJoin('profiles as pr', 'pr.user_id', 'l.user_id')
    .select(['l.created_at', 'l.user_id as id', 'u.handle', 'u.display_name', 'pr.avatar_key'])
    .where(sql.ref(column), '=', targetId);
  if (before) q = q.where(olderThan('l.created_at', 'l.user_id', before));
  return q.orderBy('l.created_at', 'desc').orderBy('l.user_id', 'desc').limit(limit).execute();
}

/** Active members by handle (lower-cased), for mentions. */
export async function findActiveHandles(db: Executor, lowerHandles: string[]): Promise<{ id: number; handle: string }[]> {
  if (!lowerHandles.length) return [];
  return db
    .selectFrom('users')
    .select(['id', 'handle'])
    .where(sql`lower(handle)`, 'in', lowerHandles)
    .where('status', '=', 'active')
    .execute();
}

export async function findWallPolicy(db: Executor, userId: number): Promise<WallPolicy | undefined> {
  return (await db.selectFrom('profiles').select('wall_policy').where('user_id', '=', userId).executeTakeFirst())?.wall_policy;
}
