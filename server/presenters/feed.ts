// The home page for the templates: a member's feed (with suggestions when it is empty) or, for
// visitors, the recent public posts.
import type { Translate } from '../i18n/index.ts';
import type { HomePage } from '../services/feed-service.ts';
import { personOf, presentPosts } from './posts.ts';

export function presentHome(home: HomePage, t: Translate) {
  if (home.kind === 'visitor') return { visitor: { posts: presentPosts(home.posts, t), topics: home.topics } };
  const s = home.suggestions;
  return {
    feed: {
      posts: presentPosts(home.page, t),
      suggestions: s
        ? {
            sharingTags: s.sharingTags.map((m) => ({ ...personOf(m.handle, m.display_name, m.avatar_key), shared: m.shared })),
            active: s.active.map((m) => ({ ...personOf(m.handle, m.display_name, m.avatar_key), posts: m.post_count })),
          }
        : null,
    },
  };
}
