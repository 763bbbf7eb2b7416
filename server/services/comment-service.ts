// Comments under posts, with one level of replies: a reply to a reply is attached to the
// top-level comment it belongs to. Whoever may see a post may read its comments; active members
// who may see it may comment and like. The comment's author edits and deletes it; the post's
// author may remove any comment under their post.
import { NotFoundError } from '../errors.ts';
import { decodeCursor, encodeCursor, toPage } from '../db/pagination.ts';
import { cacheTags } from './content-cache.ts';
import {
  addCommentLike,
  deleteCommentTree,
  findComment,
  insertComment,
  listReplies,
  listTopComments,
  removeCommentLike,
  updateComment,
  type CommentRow,
} from '../repos/comments.ts';
import { adjustPostCounter, listLikers, type PostRow } from '../repos/posts.ts';
import { blockedEitherWay } from '../repos/blocks.ts';
import { flagWriting, screenWriting } from './moderation/screening.ts';
import { canDeleteComment, canEditComment, canInteractWithPost, canReport, isActive, isHiddenFor, type PostRelation } from '../policies/index.ts';
import type { Comment } from '../db/schema.ts';
import type { Viewer, WritingDeps } from './context.ts';
import type { PostItem, PostService } from './post-service.ts';
import { cleanBody, notifyMentions, renderText } from './post-service.ts';
import { assertValid, checkText } from './validation.ts';
import { recordLiveEvents } from '../repos/live-events.ts';
import { countShownReplies } from '../repos/moderation.ts';
import type { Executor } from '../db/executor.ts';
import { notifyAboutPost } from './notify.ts';

export const COMMENT_MAX = 2000;
export const COMMENTS_PAGE = 50;

export interface CommentItem {
  row: CommentRow;
  liked: boolean;
  can: { edit: boolean; delete: boolean; reply: boolean; like: boolean; report: boolean };
  replies: CommentItem[];
}

interface CommentsModel {
  top: CommentRow[];
  replies: CommentRow[];
  next: string | undefined;
}

export interface PostPage {
  item: PostItem;
  comments: CommentItem[];
  next: string | undefined;
  /** the cached page of comments these come from: it lives exactly as long as they are current (fragment owner) */
  model: object;
}

/** How many comments leave (or come back to) the post's count when this one is hidden (shown), or deleted while shown. */
export async function shownWeight(ex: Executor, c: { id: number; parent_id: number | null }): Promise<number> {
  if (c.parent_id !== null) {
    const parent = await findComment(ex, c.parent_id);
    return parent?.hidden_at ? 0 : 1;
  }
  return 1 + (await countShownReplies(ex, c.id));
}

/**
 * Deletes a comment and its replies inside the caller's transaction, with the post's comment
 * count (hidden comments and hidden replies had already left it) and the post's live channel.
 * The author's delete and the moderators' share it. Answers false when it was gone.
 */
export async function removeCommentInside(trx: Executor, c: Pick<Comment, 'id' | 'post_id' | 'parent_id' | 'hidden_at'>): Promise<boolean> {
  const weight = c.hidden_at ? 0 : await shownWeight(trx, c);
  if (!(await deleteCommentTree(trx, c.id))) return false;
  if (weight) await adjustPostCounter(trx, c.post_id, 'comment_count', -weight);
  await recordLiveEvents(trx, [{ channel: `post:${c.post_id}`, kind: 'comment_deleted', subjectId: c.id }]);
  return true;
}

/** A comment with what this viewer may do with it (`interact`: canInteractWithPost of its post). */
export function commentItem(viewer: Viewer | null, post: PostRow, row: CommentRow, o: { interact: boolean; liked: boolean; replies?: CommentItem[] }): CommentItem {
  return {
    row,
    liked: o.liked,
    can: { edit: canEditComment(viewer, row), delete: canDeleteComment(viewer, row, post), reply: o.interact, like: o.interact, report: canReport(viewer, { authorId: row.author_id }) },
    replies: o.replies ?? [],
  };
}

export function createCommentService(deps: WritingDeps & { posts: PostService }) {
  const { db, posts, cache } = deps;
  const now = () => deps.now?.() ?? new Date();

  function checkBody(raw: string | undefined): string {
    const body = cleanBody(raw);
    assertValid({
      body: body === '' ? { key: 'posts.errors.emptyComment' } : checkText(body, { max: COMMENT_MAX, multiline: true }),
    });
    return body;
  }

  /** A comment the viewer may see (through its post), with that post. */
  async function visibleComment(viewer: Viewer | null, id: number) {
    const comment = await findComment(db, id);
    if (!comment || isHiddenFor(viewer, comment)) throw new NotFoundError('comment');
    if (isActive(viewer) && viewer.id !== comment.author_id && (await blockedEitherWay(db, viewer.id, comment.author_id))) throw new NotFoundError('comment');
    const { row: post, rel } = await posts.visiblePost(viewer, comment.post_id);
    return { comment, post, rel };
  }

  /** One page of top-level comments (oldest first) with all their replies, as everyone sees it (cached). */
  function commentsModel(postId: number, cursor: string | undefined): Promise<CommentsModel> {
    const after = decodeCursor(cursor);
    return cache.get(`comments:${postId}:${after ? encodeCursor(after) : ''}`, async () => {
      const top = toPage(await listTopComments(db, postId, COMMENTS_PAGE + 1, after), COMMENTS_PAGE);
      const replies = await listReplies(db, top.items.map((c) => c.id));
      const tags = new Set([cacheTags.post(postId), ...[...top.items, ...replies].map((c) => cacheTags.member(c.author_id))]);
      return { value: { top: top.items, replies, next: top.next }, tags: [...tags] };
    });
  }

  function itemsOf(viewer: Viewer | null, post: PostRow, rel: PostRelation, model: CommentsModel, liked: Set<number>, hiddenMembers: Set<number>): CommentItem[] {
    const interact = canInteractWithPost(viewer, post, rel);
    const item = (row: CommentRow, children: CommentItem[]): CommentItem => commentItem(viewer, post, row, { interact, liked: liked.has(row.id), replies: children });
    // Hidden comments (and the replies under a hidden one) show to their author only (isHiddenFor).
    // Nor do comments across a block or by a muted member (their replies go with them).
    const shown = (c: CommentRow) => !isHiddenFor(viewer, c, { blocked: hiddenMembers.has(c.author_id) });
    return model.top.filter(shown).map((c) => item(c, model.replies.filter((r) => r.parent_id === c.id && shown(r)).map((r) => item(r, []))));
  }

  return {
    /**
     * The post page: the post and one page of its comments with what this viewer may do, from the
     * content cache and the viewer's cached facts (server/services/viewer-facts.ts); "not found" when they may not see the post.
     */
    async page(viewer: Viewer | null, postId: number, cursor: string | undefined): Promise<PostPage> {
      const model = await posts.pageModel(postId);
      const comments = await commentsModel(model.row.id, cursor);
      const query = posts.pageFactsQuery(model);
      const all = [...comments.top, ...comments.replies];
      const facts = await posts.factsFor(viewer, { ...query, memberIds: [...query.memberIds, ...all.map((c) => c.author_id)], commentIds: all.map((c) => c.id) });
      const { item, rel } = posts.viewOf(viewer, model, facts);
      return { item, comments: itemsOf(viewer, model.row, rel, comments, facts.likedComments, facts.hiddenMembers), next: comments.next, model: comments };
    },

    async create(viewer: Viewer | null, postId: number, input: { body?: string; parentId?: number }): Promise<Comment> {
      const { row: post, rel } = await posts.visiblePost(viewer, postId);
      if (!canInteractWithPost(viewer, post, rel)) throw new NotFoundError('post');
      let parentId: number | null = null;
      let parentAuthor: number | null = null;
      if (input.parentId !== undefined) {
        const parent = await findComment(db, input.parentId);
        if (!parent || parent.post_id !== post.id || isHiddenFor(viewer, parent)) throw new NotFoundError('comment');
        if (parent.author_id !== viewer.id && (await blockedEitherWay(db, viewer.id, parent.author_id))) throw new NotFoundError('comment');
        parentId = parent.parent_id ?? parent.id;
        parentAuthor = parent.author_id;
      }
      const screen = await screenWriting(db, viewer.id, checkBody(input.body), 'comment', now());
      const body = screen.body;
      const rendered = await renderText(db, body, 'body');
      deps.posting.take(viewer.id);
      const created = await db.transaction().execute(async (trx) => {
        const comment = await insertComment(trx, { postId: post.id, parentId, authorId: viewer.id, body, bodyHtml: rendered.html });
        await flagWriting(trx, { kind: 'comment', id: comment.id, authorId: viewer.id, authorHandle: viewer.handle, body, url: `/posts/${post.id}#comment-${comment.id}` }, screen.flags);
        await adjustPostCounter(trx, post.id, 'comment_count', 1);
        await notifyMentions(trx, post, rendered.mentionIds, viewer.id, comment.id);
        // Mentioned people were told already; the author of the comment replied to is told
        // "reply", which says more than "comment on your post".
        await notifyAboutPost(
          trx,
          post,
          [
            ...rendered.mentionIds.map((userId) => ({ userId, kind: 'mention_comment' as const })),
            ...(parentAuthor !== null ? [{ userId: parentAuthor, kind: 'reply_to_comment' as const }] : []),
            { userId: post.author_id, kind: 'comment_on_post' as const },
          ].filter((r, i, all) => r.kind !== 'mention_comment' && !all.slice(0, i).some((o) => o.userId === r.userId)),
          viewer.id,
          comment.id,
        );
        await recordLiveEvents(trx, [{ channel: `post:${post.id}`, kind: 'comment', subjectId: comment.id }]);
        return comment;
      });
      cache.invalidate([cacheTags.post(post.id)]);
      return created;
    },

    async get(viewer: Viewer | null, id: number) {
      const { comment, post } = await visibleComment(viewer, id);
      if (!canEditComment(viewer, comment)) throw new NotFoundError('comment');
      return { comment, post };
    },

    async edit(viewer: Viewer | null, id: number, input: { body?: string }): Promise<Comment> {
      const { comment } = await visibleComment(viewer, id);
      if (!canEditComment(viewer, comment)) throw new NotFoundError('comment');
      const body = checkBody(input.body);
      const rendered = await renderText(db, body, 'body');
      await db.transaction().execute(async (trx) => {
        await updateComment(trx, comment.id, body, rendered.html, now());
        await recordLiveEvents(trx, [{ channel: `post:${comment.post_id}`, kind: 'comment', subjectId: comment.id }]);
      });
      cache.invalidate([cacheTags.post(comment.post_id)]);
      return comment;
    },

    async remove(viewer: Viewer | null, id: number): Promise<Comment> {
      const { comment, post } = await visibleComment(viewer, id);
      if (!canDeleteComment(viewer, comment, post)) throw new NotFoundError('comment');
      await db.transaction().execute((trx) => removeCommentInside(trx, comment));
      cache.invalidate([cacheTags.post(comment.post_id)]);
      return comment;
    },

    async setLike(viewer: Viewer | null, id: number, like: boolean): Promise<Comment> {
      const { comment, post, rel } = await visibleComment(viewer, id);
      if (!canInteractWithPost(viewer, post, rel)) throw new NotFoundError('comment');
      await db.transaction().execute(async (trx) => {
        const changed = like ? await addCommentLike(trx, comment.id, viewer.id) : await removeCommentLike(trx, comment.id, viewer.id);
        if (!changed) return;
        if (like) await notifyAboutPost(trx, post, [{ userId: comment.author_id, kind: 'like_comment' }], viewer.id, comment.id);
        await recordLiveEvents(trx, [{ channel: `post:${comment.post_id}`, kind: 'comment', subjectId: comment.id }]);
      });
      cache.invalidate([cacheTags.post(comment.post_id)]);
      return comment;
    },

    async likers(viewer: Viewer | null, id: number, cursor: string | undefined) {
      const { comment } = await visibleComment(viewer, id);
      const rows = await listLikers(db, 'comment_likes', comment.id, 51, decodeCursor(cursor));
      return { comment, page: toPage(rows, 50) };
    },
  };
}

