// The home page for the templates: a member's feed of posts and topic cards (with suggestions
// when it is empty) or, for visitors, the recent public posts and the latest topics.
import type { Translate } from '../i18n/index.ts';
import type { HomePage } from '../services/feed-service.ts';
import { presentPeople } from './followers.ts';
import { presentPost, presentPosts } from './posts.ts';
import { presentCategory, presentTopicCard, presentTopicItem, presentTopicList } from './topics.ts';

export function presentHome(home: HomePage, t: Translate) {
  if (home.kind === 'visitor') {
    const topics = home.topics ? presentTopicList(home.topics) : null;
    return {
      visitor: {
        posts: presentPosts(home.posts, t),
        topics: topics && { items: topics.items, moreUrl: topics.next ? `/discussions?before=${topics.next}` : '/discussions' },
      },
    };
  }
  const s = home.suggestions;
  return {
    feed: {
      items: home.page.items.map((e) => ('post' in e ? { post: presentPost(e.post, t) } : { topic: presentTopicCard(e.topic) })),
      next: home.page.next,
      hasTopics: home.page.items.some((e) => 'topic' in e),
      suggestions: s
        ? {
            sharingTags: presentPeople(s.sharingTags),
            active: presentPeople(s.active),
            topics: s.topics.map(presentTopicItem),
            categories: s.categories.map(presentCategory),
          }
        : null,
    },
  };
}
