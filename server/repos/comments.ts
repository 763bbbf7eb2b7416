import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { Comment } from '../db/schema.ts';

function commentsWithAuthors(db: Executor) {
  return db
    .selectFrom('comments as c')
    .innerJoin('users as a', 'a.id', 'c.author_id')
    .innerJoin('profiles as ap', 'ap.user_id', 'c.author_id')
    .selectAll('c')
    .select(['a.handle as author_handle', 'a.display_name as author_name', 'ap.avatar_key as author_avatar_key']);
}

export type CommentRow = Comment & { author_handle: string; author_name: string; author_avatar_key: string | null };

export async function findComment(db: Executor, id: number): Promise<Comment | undefined> {
  return db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One comment with its author, as the lists give it (live delivery renders it with the page's partial). */
export async function findCommentRow(db: Executor, id: number): Promise<CommentRow | undefined> {
  return commentsWithAuthors(db).where('c.id', '=', id).executeTakeFirst();
}

/** Top-level comments of a post, oldest first, after a cursor (keyset on created_at, id). */
export async function listTopComments(db: Executor, postId: number, limit: number, after?: { createdAt: Date; id: number }): Promise<CommentRow[]> {
  let q = commentsWithAuthors(db).where('c.post_id', '=', postId).where('c.parent_id', 'is', null);
  if (after) q = q.where(sql<boolean>`(c.created_at, c.id) > (${after.createdAt}, ${after.id})`);
  return q.orderBy('c.created_at', 'asc').orderBy('c.id', 'asc').limit(limit).execute();
}

/** Replies to the given comments, oldest first (one level of replies only). */
export async function listReplies(db: Executor, parentIds: number[], perParent = 200): Promise<CommentRow[]> {
  if (!parentIds.length) return [];
  return commentsWithAuthors(db)
    .where('c.parent_id', 'in', parentIds)
    .orderBy('c.parent_id')
    .orderBy('c.created_at', 'asc')
    .orderBy('c.id', 'asc')
    .limit(perParent * parentIds.length)
    .execute();
}

export async function insertComment(db: Executor, c: { postId: number; parentId: number | null; authorId: number; body: string; bodyHtml: string }): Promise<Comment> {
  return db
    .insertInto('comments')
    .values({ post_id: c.postId, parent_id: c.parentId, author_id: c.authorId, body: c.body, body_html: c.bodyHtml })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateComment(db: Executor, id: number, body: string, bodyHtml: string, now: Date): Promise<void> {
  await db.updateTable('comments').set({ body, body_html: bodyHtml, edited_at: now }).where('id', '=', id).execute();
}

/** Deletes a comment and its replies; answers how many rows went. */
export async function deleteCommentTree(db: Executor, id: number): Promise<number> {
  const replies = await db.deleteFrom('comments').where('parent_id', '=', id).executeTakeFirst();
  const self = await db.deleteFrom('comments').where('id', '=', id).executeTakeFirst();
  return Number(replies.numDeletedRows) + Number(self.numDeletedRows);
}

export async function addCommentLike(db: Executor, commentId: number, userId: number): Promise<boolean> {
  const inserted = await db
    .insertInto('comment_likes')
    .values({ comment_id: commentId, user_id: userId })
    .onConflict((oc) => oc.columns(['comment_id', 'user_id']).doNothing())
    .returning('comment_id')
    .executeTakeFirst();
  if (inserted) await db.updateTable('comments').set({ like_count: sql`like_count + 1` } as never).where('id', '=', commentId).execute();
  return !!inserted;
}

export async function removeCommentLike(db: Executor, commentId: number, userId: number): Promise<boolean> {
  const res = await db.deleteFrom('comment_likes').where('comment_id', '=', commentId).where('user_id', '=', userId).executeTakeFirst();
  const removed = Number(res.numDeletedRows) > 0;
  if (removed) await db.updateTable('comments').set({ like_count: sql`greatest(like_count - 1, 0)` } as never).where('id', '=', commentId).execute();
  return removed;
}

