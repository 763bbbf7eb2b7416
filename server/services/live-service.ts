// What the live hub (server/live/hub.ts) asks of the application: may this viewer follow this
// channel, and what does each subscriber see of an event. Every answer comes from the rows as
// they are now (never the content cache, which another instance may not have invalidated yet)
// and the same policies as the pages: an event is shown to a subscriber only if loading the
// page would show it to them.
import { NotFoundError } from '../errors.ts';
import {
  canDeleteTopicReply,
  canEditTopicReply,
  canInteractWithPost,
  canLikeTopicReply,
  canReplyToTopic,
  canReport,
  canViewPost,
  isActive,
  isHiddenFor,
} from '../policies/index.ts';
import { findReply, findTopicRow, type TopicRow } from '../repos/topics.ts';
import { isInFeed, viewersLikingReply } from '../repos/live-topics.ts';
import type { ReplyItem, TopicService } from './topic-service.ts';
import { findViewersFacts } from '../repos/live-views.ts';
import { findCommentRow } from '../repos/comments.ts';
import { listLiveEventsSince, notifyBus, type LiveEventRow } from '../repos/live-events.ts';
import { countUnread, findNotification, type NotificationRow } from '../repos/notifications.ts';
import { NO_FACTS, type ViewerFacts } from '../repos/viewer-facts.ts';
import type { ServiceDeps, Viewer } from './context.ts';
import { commentItem, type CommentItem } from './comment-service.ts';
import { relationFrom, type PostItem, type PostService } from './post-service.ts';

export interface LiveEvent {
  id: number;
  channel: string;
  kind: string;
  subjectId: number;
  /** created_at in ms since the epoch */
  at: number;
}

/** What one subscriber gets of a post-channel event: nothing (may not see the post) or the views. */
export type PostView = { visible: false } | { visible: true; post?: PostItem; comment?: CommentItem; removed?: number };

export type PostViews = { gone: true } | { gone: false; views: PostView[] };

/**
 * What one subscriber gets of a topic-channel event. Topics are public (server/policies): any
 * viewer who may load the page sees its replies; what differs is what they may do with them.
 */
export type TopicView = { reply: ReplyItem } | { removed: number } | { topic: TopicRow } | 'revoked' | null;

export type TopicViews = { gone: true } | { gone: false; views: TopicView[] };

/** The one channel of the review queue: its open count changed (moderators' header badge). */
export const MODERATION_QUEUE_EVENT = { channel: 'moderation:1', kind: 'queue', subjectId: 1 } as const;

export const toLiveEvent = (r: LiveEventRow): LiveEvent => ({ id: r.id, channel: r.channel, kind: r.kind, subjectId: r.subject_id, at: r.created_at.getTime() });

export function createLiveService(deps: ServiceDeps & { posts: PostService; topics: TopicService }) {
  const { db, posts, topics } = deps;

  return {
    async canFollowPost(viewer: Viewer | null, postId: number): Promise<boolean> {
      try {
        await posts.visiblePost(viewer, postId);
        return true;
      } catch (err) {
        if (err instanceof NotFoundError) return false;
        throw err;
      }
    },

    canFollowUser(viewer: Viewer | null, userId: number): boolean {
      return isActive(viewer) && viewer.id === userId;
    },

    /** One post-channel event as each of these viewers may see it (a few statements for all of them). */
    async postViews(event: LiveEvent, viewers: readonly (Viewer | null)[]): Promise<PostViews> {
      const postId = Number(event.channel.slice('post:'.length));
      const model = await posts.freshModel(postId);
      if (!model || event.kind === 'post_deleted') return { gone: true };
      const post = model.row;
      const isComment = event.kind === 'comment' || event.kind === 'comment_deleted';
      const comment = event.kind === 'comment' ? await findCommentRow(db, event.subjectId) : undefined;
      const active = viewers.filter((v): v is Viewer => isActive(v)).map((v) => v.id);
      const query = posts.pageFactsQuery(model);
      const facts = await findViewersFacts(db, active, {
        memberIds: [...query.memberIds, ...(comment ? [comment.author_id] : [])],
        postIds: query.postIds,
        commentIds: comment ? [comment.id] : [],
      });
      const views = viewers.map((viewer): PostView => {
        const f: ViewerFacts = (isActive(viewer) && facts.get(viewer.id)) || NO_FACTS;
        const rel = relationFrom(f, post);
        if (!canViewPost(viewer, post, rel)) return { visible: false };
        if (!isComment) return { visible: true, post: posts.viewOf(viewer, model, f).item };
        // A comment hidden by moderation, or written across a block or mute, goes as a removal (the page would not show it).
        if (!comment || comment.post_id !== post.id || isHiddenFor(viewer, comment, { blocked: f.hiddenMembers.has(comment.author_id) })) return { visible: true, removed: event.subjectId };
        return { visible: true, comment: commentItem(viewer, post, comment, { interact: canInteractWithPost(viewer, post, rel), liked: f.likedComments.has(comment.id) }) };
      });
      return { gone: false, views };
    },

    /** The member's unread count and, for a new notification, that notification if they may still see it. */
    async notificationView(userId: number, notificationId: number | null): Promise<{ unread: number; item: NotificationRow | undefined }> {
      const item = notificationId === null ? undefined : await findNotification(db, userId, notificationId);
      return { unread: await countUnread(db, userId), item };
    },

    /** Whoever may load the topic page (it exists, is not hidden from them, no block between them and its author) may follow its channel. */
    async canFollowTopic(viewer: Viewer | null, topicId: number): Promise<boolean> {
      try {
        await topics.visibleTopic(viewer, topicId);
        return true;
      } catch (err) {
        if (err instanceof NotFoundError) return false;
        throw err;
      }
    },

    /** One topic-channel event as each of these viewers sees it (the rows as they are now). */
    async topicViews(event: LiveEvent, viewers: readonly (Viewer | null)[]): Promise<TopicViews> {
      const topicId = Number(event.channel.slice('topic:'.length));
      const topic = await findTopicRow(db, topicId);
      if (!topic) return { gone: true };
      const row = event.kind === 'reply' ? await findReply(db, event.subjectId) : undefined;
      const active = viewers.filter((v): v is Viewer => isActive(v)).map((v) => v.id);
      const facts = await findViewersFacts(db, active, { memberIds: [topic.author_id, ...(row ? [row.author_id] : [])], postIds: [] });
      const factsOf = (viewer: Viewer | null): ViewerFacts => (isActive(viewer) && facts.get(viewer.id)) || NO_FACTS;
      // Whoever may not see the topic now (hidden, or a block or mute with its author) gets nothing more.
      const seesTopic = (viewer: Viewer | null) => !isHiddenFor(viewer, topic, { blocked: factsOf(viewer).hiddenMembers.has(topic.author_id) });
      if (event.kind === 'topic') return { gone: false, views: viewers.map((v) => (seesTopic(v) ? { topic } : 'revoked')) };
      if (event.kind !== 'reply' && event.kind !== 'reply_deleted') return { gone: false, views: viewers.map(() => null) };
      if (!row || row.topic_id !== topic.id) return { gone: false, views: viewers.map((v) => (seesTopic(v) ? { removed: event.subjectId } : 'revoked')) };
      const liking = await viewersLikingReply(db, row.id, active);
      const views = viewers.map((viewer): TopicView => {
        if (!seesTopic(viewer)) return 'revoked';
        // A reply hidden by moderation, or from across a block or mute, goes as a removal (the page would not show it).
        if (isHiddenFor(viewer, row, { blocked: factsOf(viewer).hiddenMembers.has(row.author_id) })) return { removed: row.id };
        return {
          reply: {
            row,
            liked: isActive(viewer) && liking.has(viewer.id),
            unread: false,
            can: {
              edit: canEditTopicReply(viewer, row),
              delete: canDeleteTopicReply(viewer, row),
              like: canLikeTopicReply(viewer),
              quote: canReplyToTopic(viewer, topic) && !row.hidden_at,
              report: canReport(viewer, { authorId: row.author_id }),
            },
          },
        };
      });
      return { gone: false, views };
    },

    /** A member's own feed channel only. */
    canFollowFeed(viewer: Viewer | null, memberId: number): viewer is Viewer {
      return isActive(viewer) && viewer.id === memberId;
    },

    /** Whether a post that entered the member's inbox is one their home page would show now. */
    async feedItemVisible(viewer: Viewer, postId: number): Promise<boolean> {
      if (!(await isInFeed(db, viewer.id, postId))) return false;
      const seen = await this.postViews({ id: 0, channel: `post:${postId}`, kind: 'post', subjectId: postId, at: 0 }, [viewer]);
      return !seen.gone && seen.views[0]!.visible;
    },

    async eventsSince(channels: readonly string[], since: Date, limit: number): Promise<LiveEvent[]> {
      return (await listLiveEventsSince(db, channels, since, limit)).map(toLiveEvent);
    },

    /** Tells the other instances to drop these content-cache tags (chunks stay far below NOTIFY's 8,000 bytes). */
    async broadcastCacheTags(origin: string, tags: readonly string[]): Promise<void> {
      for (let i = 0; i < tags.length; i += 100) await notifyBus(db, { t: 'c', o: origin, g: tags.slice(i, i + 100) });
    },
  };
}

export type LiveService = ReturnType<typeof createLiveService>;
