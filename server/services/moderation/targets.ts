// The registry of what can be reported and acted on. Each kind says how to load the target as a
// given viewer may see it (reporting only what one can see), how to take a snapshot of it (kept
// in the case even if the author edits or deletes it), and which content actions it supports.
// A new kind (message, event…) is one `registry.register({...})` call where the
// services are built; nothing else in moderation names a kind.
import type { Executor } from '../../db/executor.ts';
import { findComment } from '../../repos/comments.ts';
import { adjustPostCounter, adjustProfilePostCount, findPostRow, listPhotos } from '../../repos/posts.ts';
import { findUserById } from '../../repos/users.ts';
import { findProfileByUserId } from '../../repos/profiles.ts';
import { releaseHeldPost, setHidden } from '../../repos/moderation.ts';
import { isHiddenFor } from '../../policies/index.ts';
import type { Viewer } from '../context.ts';
import { cacheTags } from '../content-cache.ts';
import { removePostInside, type PostService } from '../post-service.ts';
import { removeCommentInside, shownWeight } from '../comment-service.ts';
import type { TopicService } from '../topic-service.ts';
import { NotFoundError } from '../../errors.ts';
import { recordLiveEvents } from '../../repos/live-events.ts';
import { deleteReply, deleteTopic, findReply, findTopicRow, refreshTopicAfterRemoval } from '../../repos/topics.ts';

export type ContentAction = 'hide' | 'unhide' | 'delete';

/** The content as it was, for the queue: plain text only (escaped when shown). */
export interface Snapshot {
  kind: string;
  authorId: number;
  authorHandle: string;
  body: string;
  url: string;
  [extra: string]: unknown;
}

export interface TargetInfo {
  authorId: number;
  snapshot: Snapshot;
  /** where the content lives now */
  url: string;
  hidden: boolean;
  hiddenReason: string | null;
  /** waiting for a moderator's approval (posts of a limited member) */
  held?: boolean;
}

export interface HideMark {
  at: Date;
  reason: string;
  by: number | null;
}

export interface TargetKind {
  kind: string;
  /** the target if this viewer may see it (they are about to report it) */
  loadFor(viewer: Viewer, id: number): Promise<TargetInfo | undefined>;
  /** the target as it is now, whoever may see it (for moderators) */
  load(db: Executor, id: number): Promise<TargetInfo | undefined>;
  /** content actions this kind supports; each answers false when there was nothing to do */
  hide?(trx: Executor, id: number, mark: HideMark): Promise<boolean>;
  unhide?(trx: Executor, id: number): Promise<boolean>;
  remove?(trx: Executor, id: number): Promise<boolean>;
  /** publishes held content (false when it was not held) */
  approve?(trx: Executor, id: number): Promise<boolean>;
  /** cache tags to drop after a change of this target */
  tags(info: TargetInfo, id: number): string[];
  /** after-commit clean-up of a removal (files) */
  afterRemove?(id: number, info: TargetInfo): Promise<void>;
}

export interface TargetRegistry {
  register(kind: TargetKind): void;
  get(kind: string): TargetKind | undefined;
}

export function createTargetRegistry(): TargetRegistry {
  const kinds = new Map<string, TargetKind>();
  return {
    register(k) {
      if (!/^[a-z_]{1,30}$/.test(k.kind)) throw new Error(`bad target kind ${k.kind}`);
      kinds.set(k.kind, k);
    },
    get: (kind) => kinds.get(kind),
  };
}

/** What `load` answers, or undefined when it finds nothing the viewer may see (any other error goes on). */
async function seen<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** Posts, comments and profiles: what exists today. */
export function registerCoreTargets(
  registry: TargetRegistry,
  deps: { db: Executor; posts: PostService; media?: { remove(key: string): Promise<void> } },
): void {
  const { db, posts } = deps;
  // Every change tells the post's live channel at commit: open pages drop the post or comment (or show it again).
  const tell = (trx: Executor, postId: number, kind: 'post' | 'post_deleted' | 'comment' | 'comment_deleted', subjectId: number) =>
    recordLiveEvents(trx, [{ channel: `post:${postId}`, kind, subjectId }]);
  const postInfo = async (ex: Executor, id: number): Promise<TargetInfo | undefined> => {
    const row = await findPostRow(ex, id);
    if (!row) return undefined;
    return {
      authorId: row.author_id,
      url: `/posts/${row.id}`,
      hidden: !!row.hidden_at,
      hiddenReason: row.hidden_reason,
      held: !!row.held_at,
      snapshot: { kind: 'post', authorId: row.author_id, authorHandle: row.author_handle, body: row.body, url: `/posts/${row.id}`, wallHandle: row.wall_handle, wallOwnerId: row.wall_owner_id, writtenAt: (row.edited_at ?? row.created_at).toISOString() },
    };
  };
  const postPhotoKeys = new Map<number, string[]>();
  registry.register({
    kind: 'post',
    async loadFor(viewer, id) {
      return (await seen(() => posts.visiblePost(viewer, id))) ? postInfo(db, id) : undefined;
    },
    load: postInfo,
    async hide(trx, id, mark) {
      const row = await findPostRow(trx, id);
      if (!row || !(await setHidden(trx, 'posts', id, mark))) return false;
      if (!row.held_at) await adjustProfilePostCount(trx, row.author_id, -1);
      await tell(trx, id, 'post', id);
      return true;
    },
    async unhide(trx, id) {
      const row = await findPostRow(trx, id);
      if (!row || !(await setHidden(trx, 'posts', id, null))) return false;
      if (!row.held_at) await adjustProfilePostCount(trx, row.author_id, 1);
      await tell(trx, id, 'post', id);
      return true;
    },
    async remove(trx, id) {
      const row = await findPostRow(trx, id);
      if (!row) return false;
      postPhotoKeys.set(id, (await listPhotos(trx, [id])).map((p) => p.media_key));
      return removePostInside(trx, row);
    },
    async approve(trx, id) {
      const row = await findPostRow(trx, id);
      if (!row || !(await releaseHeldPost(trx, id))) return false;
      // A held post was never counted; it is now, unless it was hidden meanwhile.
      if (!row.hidden_at) await adjustProfilePostCount(trx, row.author_id, 1);
      await tell(trx, id, 'post', id);
      return true;
    },
    tags(info, id) {
      return [cacheTags.post(id), cacheTags.profile(info.authorId), cacheTags.wall(Number(info.snapshot.wallOwnerId))];
    },
    async afterRemove(id) {
      const keys = postPhotoKeys.get(id) ?? [];
      postPhotoKeys.delete(id);
      await Promise.all(keys.map((k) => deps.media?.remove(k).catch(() => {})));
    },
  });

  const commentInfo = async (ex: Executor, id: number): Promise<TargetInfo | undefined> => {
    const c = await findComment(ex, id);
    if (!c) return undefined;
    const author = await findUserById(ex, c.author_id);
    return {
      authorId: c.author_id,
      url: `/posts/${c.post_id}#comment-${c.id}`,
      hidden: !!c.hidden_at,
      hiddenReason: c.hidden_reason,
      snapshot: { kind: 'comment', authorId: c.author_id, authorHandle: author?.handle ?? '', body: c.body, url: `/posts/${c.post_id}#comment-${c.id}`, postId: c.post_id, writtenAt: (c.edited_at ?? c.created_at).toISOString() },
    };
  };
  registry.register({
    kind: 'comment',
    async loadFor(viewer, id) {
      const c = await findComment(db, id);
      if (!c || isHiddenFor(viewer, c)) return undefined;
      return (await seen(() => posts.visiblePost(viewer, c.post_id))) ? commentInfo(db, id) : undefined;
    },
    load: commentInfo,
    async hide(trx, id, mark) {
      const c = await findComment(trx, id);
      if (!c || c.hidden_at) return false;
      const weight = await shownWeight(trx, c);
      await setHidden(trx, 'comments', id, mark);
      if (weight) await adjustPostCounter(trx, c.post_id, 'comment_count', -weight);
      await tell(trx, c.post_id, 'comment', id);
      return true;
    },
    async unhide(trx, id) {
      const c = await findComment(trx, id);
      if (!c || !c.hidden_at) return false;
      await setHidden(trx, 'comments', id, null);
      const weight = await shownWeight(trx, c);
      if (weight) await adjustPostCounter(trx, c.post_id, 'comment_count', weight);
      await tell(trx, c.post_id, 'comment', id);
      return true;
    },
    async remove(trx, id) {
      const c = await findComment(trx, id);
      return !!c && removeCommentInside(trx, c);
    },
    tags(info) {
      return [cacheTags.post(Number(info.snapshot.postId))];
    },
  });

  const profileInfo = async (ex: Executor, id: number): Promise<TargetInfo | undefined> => {
    const user = await findUserById(ex, id);
    if (!user || user.status !== 'active') return undefined;
    const profile = await findProfileByUserId(ex, id);
    const body = [user.display_name, profile?.pronouns, profile?.location, profile?.bio].filter((s) => s).join('\n');
    return {
      authorId: user.id,
      url: `/@${user.handle}`,
      hidden: false,
      hiddenReason: null,
      snapshot: { kind: 'profile', authorId: user.id, authorHandle: user.handle, body, url: `/@${user.handle}` },
    };
  };
  registry.register({
    kind: 'profile',
    loadFor: (_viewer, id) => profileInfo(db, id),
    load: profileInfo,
    tags: (_info, id) => [cacheTags.profile(id), cacheTags.member(id)],
  });
}

/** Topics (their opening post) and their replies. */
export function registerTopicTargets(registry: TargetRegistry, deps: { db: Executor; topics: TopicService }): void {
  const { db, topics } = deps;
  // Every change tells the topic's live channel at commit, so open pages drop or show it again.
  const tell = (trx: Executor, topicId: number, kind: 'topic' | 'reply' | 'reply_deleted', subjectId: number) =>
    recordLiveEvents(trx, [{ channel: `topic:${topicId}`, kind, subjectId }]);

  const topicInfo = async (ex: Executor, id: number): Promise<TargetInfo | undefined> => {
    const t = await findTopicRow(ex, id);
    if (!t) return undefined;
    return {
      authorId: t.author_id,
      url: `/t/${t.id}`,
      hidden: !!t.hidden_at,
      hiddenReason: t.hidden_reason,
      snapshot: { kind: 'topic', authorId: t.author_id, authorHandle: t.author_handle, body: `${t.title}\n\n${t.body}`, url: `/t/${t.id}`, topicId: t.id, writtenAt: (t.edited_at ?? t.created_at).toISOString() },
    };
  };
  registry.register({
    kind: 'topic',
    loadFor: async (viewer, id) => ((await seen(() => topics.visibleTopic(viewer, id))) ? topicInfo(db, id) : undefined),
    load: topicInfo,
    async hide(trx, id, mark) {
      if (!(await setHidden(trx, 'topics', id, mark))) return false;
      await tell(trx, id, 'topic', id);
      return true;
    },
    async unhide(trx, id) {
      if (!(await setHidden(trx, 'topics', id, null))) return false;
      await tell(trx, id, 'topic', id);
      return true;
    },
    remove: (trx, id) => deleteTopic(trx, id),
    tags: (info) => [cacheTags.profile(info.authorId), cacheTags.forumHidden],
  });

  const replyInfo = async (ex: Executor, id: number): Promise<TargetInfo | undefined> => {
    const r = await findReply(ex, id);
    if (!r) return undefined;
    const url = `/t/${r.topic_id}/r/${r.id}`;
    return {
      authorId: r.author_id,
      url,
      hidden: !!r.hidden_at,
      hiddenReason: r.hidden_reason,
      snapshot: { kind: 'topic_reply', authorId: r.author_id, authorHandle: r.author_handle, body: r.body, url, topicId: r.topic_id, writtenAt: (r.edited_at ?? r.created_at).toISOString() },
    };
  };
  registry.register({
    kind: 'topic_reply',
    loadFor: async (viewer, id) => ((await seen(() => topics.visibleReply(viewer, id))) ? replyInfo(db, id) : undefined),
    load: replyInfo,
    async hide(trx, id, mark) {
      const r = await findReply(trx, id);
      if (!r || !(await setHidden(trx, 'topic_replies', id, mark))) return false;
      await tell(trx, r.topic_id, 'reply', id);
      return true;
    },
    async unhide(trx, id) {
      const r = await findReply(trx, id);
      if (!r || !(await setHidden(trx, 'topic_replies', id, null))) return false;
      await tell(trx, r.topic_id, 'reply', id);
      return true;
    },
    async remove(trx, id) {
      const r = await findReply(trx, id);
      if (!r || !(await deleteReply(trx, id))) return false;
      await refreshTopicAfterRemoval(trx, r.topic_id);
      await tell(trx, r.topic_id, 'reply_deleted', id);
      return true;
    },
    tags: () => [cacheTags.forumHidden],
  });
}
