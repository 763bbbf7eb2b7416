// The channels of the forum and the home feed (see server/live/hub.ts for the registry):
// - `topic:<id>`: new replies, edits, likes and deletions, rendered by the topic page's own
//   partial (views/partials/topics/reply.hbs) for each subscriber, and the topic's title, category
//   and lock notice (views/partials/topics/header.hbs) when a moderator changes them. Topics are
//   public (server/policies): the channel is open to whoever may load the page, and each delivery
//   checks again that the topic exists and that the reply still belongs to it.
// - `feed:<member>`: a post entered the member's inbox (server/repos/feed.ts). Only the member
//   may follow it, and only posts their home page would show now are announced; the page shows an
//   "N new posts" link that reloads the feed, the posts themselves are never inserted.
import { presentReply, presentTopicHeader } from '../presenters/topics.ts';
import { translator } from '../i18n/index.ts';
import type { Services } from '../services/index.ts';
import type { ChannelType, Delivery, Hub } from './hub.ts';

export function topicChannel(services: Services): ChannelType {
  return {
    prefix: 'topic',
    authorize: (viewer, id) => services.live.canFollowTopic(viewer, id),
    async deliver(event, subs, hub: Hub): Promise<Delivery[]> {
      const topicId = Number(event.channel.slice('topic:'.length));
      const path = `/t/${topicId}`;
      const result = await services.live.topicViews(event, subs.map((s) => s.viewer));
      if (result.gone) return subs.map(() => 'revoked');
      return result.views.map((view, i): Delivery => {
        const sub = subs[i]!;
        const t = translator(sub.locale);
        if (!view || view === 'revoked') return view;
        if ('removed' in view) return { op: 'remove', el: `r-${view.removed}`, text: t('live.topic.replyRemoved') };
        if ('topic' in view) {
          return { op: 'upsert', el: 'topic-header', parent: null, insert: false, announce: true, html: hub.renderFor(sub, 'topics/header', presentTopicHeader(view.topic), path), text: t('live.topic.updated') };
        }
        const reply = presentReply(view.reply, topicId);
        return {
          op: 'upsert',
          el: reply.anchor,
          parent: null,
          html: hub.renderFor(sub, 'topics/reply', reply, path),
          text: t('live.topic.newReply', { name: view.reply.row.author_name }),
        };
      });
    },
  };
}

export function feedChannel(services: Services): ChannelType {
  return {
    prefix: 'feed',
    authorize: async (viewer, id) => services.live.canFollowFeed(viewer, id),
    async deliver(event, subs): Promise<Delivery[]> {
      const memberId = Number(event.channel.slice('feed:'.length));
      // Every subscriber is the member (one socket per open tab): the post is checked once.
      let visible: Promise<boolean> | undefined;
      const out: Delivery[] = [];
      for (const sub of subs) {
        // Re-checked at each delivery: the socket must still belong to this member.
        if (!services.live.canFollowFeed(sub.viewer, memberId)) {
          out.push('revoked');
          continue;
        }
        visible ??= services.live.feedItemVisible(sub.viewer, event.subjectId);
        out.push((await visible) ? { op: 'feed', post: event.subjectId, text: translator(sub.locale)('live.feed.arrived') } : null);
      }
      return out;
    },
  };
}
