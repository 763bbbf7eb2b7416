// The channels of issue 5 as they exist so far: a post with its comments, and a member's
// notifications. Each pushes HTML rendered by the page's own partials (views/partials/posts/*,
// views/partials/notifications/item.hbs) for each subscriber, plus the element ids the script
// (static/js/live.js) needs to put it in place. See server/live/hub.ts for adding channels.
import { presentComment, presentPost } from '../presenters/posts.ts';
import { presentNotification } from '../presenters/notifications.ts';
import { translator } from '../i18n/index.ts';
import { canModerate } from '../policies/index.ts';
import type { Services } from '../services/index.ts';
import type { ChannelType, Delivery, Hub, Subscriber } from './hub.ts';

export function postChannel(services: Services): ChannelType {
  return {
    prefix: 'post',
    authorize: (viewer, id) => services.live.canFollowPost(viewer, id),
    async deliver(event, subs, hub: Hub): Promise<Delivery[]> {
      const result = await services.live.postViews(event, subs.map((s) => s.viewer));
      if (result.gone) return subs.map((s) => ({ op: 'gone', text: translator(s.locale)('notifications.live.postGone') }));
      const postId = Number(event.channel.slice(5));
      const path = `/posts/${postId}`;
      return result.views.map((view, i): Delivery => {
        const sub = subs[i]!;
        if (!view.visible) return 'revoked';
        const t = translator(sub.locale);
        // A deleted comment, or one this viewer may not see (services.live.postViews answers `removed`).
        if (view.removed !== undefined) return { op: 'remove', el: `comment-${view.removed}`, text: t('notifications.live.commentRemoved') };
        if (view.comment) {
          const c = view.comment.row;
          return {
            op: 'upsert',
            el: `comment-${c.id}`,
            parent: c.parent_id ? `comment-${c.parent_id}` : null,
            html: hub.renderFor(sub, 'posts/comment', presentComment(view.comment), path),
            text: t('notifications.live.newComment', { name: c.author_name }),
          };
        }
        if (view.post) {
          return {
            op: 'upsert',
            el: `post-${postId}`,
            parent: null,
            insert: false,
            html: hub.renderFor(sub, 'posts/post', { ...presentPost(view.post, t), headingLevel: 2 }, path),
            text: t('notifications.live.postUpdated'),
          };
        }
        return null;
      });
    },
  };
}

export function userChannel(services: Services): ChannelType {
  return {
    prefix: 'user',
    authorize: async (viewer, id) => services.live.canFollowUser(viewer, id),
    async deliver(event, subs: readonly Subscriber[], hub: Hub): Promise<Delivery[]> {
      const userId = Number(event.channel.slice(5));
      const { unread, item } = await services.live.notificationView(userId, event.kind === 'notification' ? event.subjectId : null);
      return subs.map((sub): Delivery => {
        // Re-checked at each delivery: the socket must still belong to this member.
        if (!services.live.canFollowUser(sub.viewer, userId)) return 'revoked';
        const t = translator(sub.locale);
        return {
          op: 'unread',
          count: unread,
          ...(item ? { el: `notification-${item.id}`, html: hub.renderFor(sub, 'notifications/item', presentNotification(item), '/notifications') } : {}),
          text: t('notifications.live.unread', { count: unread }),
        };
      });
    },
  };
}

/** `moderation:1`: the review queue's open count, for moderators' header badge (no content). */
export function moderationChannel(services: Services): ChannelType {
  return {
    prefix: 'moderation',
    authorize: async (viewer, id) => id === 1 && canModerate(viewer),
    async deliver(_event, subs: readonly Subscriber[]): Promise<Delivery[]> {
      const moderator = subs.find((s) => canModerate(s.viewer))?.viewer ?? null;
      const count = moderator ? await services.moderation.openCount(moderator) : undefined;
      return subs.map((sub): Delivery => {
        // Re-checked at each delivery: a member who is no longer a moderator stops receiving it.
        if (!canModerate(sub.viewer) || count === undefined) return 'revoked';
        return { op: 'count', el: 'moderation-count', count, text: translator(sub.locale)('moderation.nav.liveCount', { count }) };
      });
    },
  };
}
