// Viewer facts (server/repos/viewer-facts.ts) without a statement per page view. A page needs to
// know, about the person viewing it, whom they follow and who follows them among the page's
// members, what they liked and where they are mentioned among its posts and comments, and who is
// blocked or muted either way. Those facts are built from two kinds of cached parts:
// - each member's relations (follows, followers, blocks, mutes): the member cache, tag
//   `relations:<id>`, dropped by the follow and block services for both members;
// - each post's likers and mentioned members, and each comment's likers: the content cache,
//   under the post's tag, which every like, edit and comment already drops.
// A set too large to keep (KEPT_SET_MAX) is asked of the database for the page's few ids only.
// Permission checks of actions never use this: they read the rows as they are now.
import type { Executor } from '../db/executor.ts';
import {
  emptyViewerFacts,
  findCommentLikers,
  findPostPeople,
  findViewerFacts,
  findViewerRelations,
  type KeptSet,
  type PostPeople,
  type ViewerFacts,
  type ViewerFactsQuery,
  type ViewerRelations,
} from '../repos/viewer-facts.ts';
import { cacheTags, type ContentCache, type Loaded } from './content-cache.ts';

export interface ViewerFactsDeps {
  db: Executor;
  /** shared content: posts' and comments' people */
  cache: ContentCache;
  /** each member's own: their relations */
  memberCache: ContentCache;
}

const POST_KEY = 'post-people:';
const COMMENT_KEY = 'comment-likers:';

export function createViewerFacts({ db, cache, memberCache }: ViewerFactsDeps) {
  const relations = (viewerId: number) =>
    memberCache.get<ViewerRelations>(`relations:${viewerId}`, async () => ({ value: await findViewerRelations(db, viewerId), tags: [cacheTags.relations(viewerId)] }));

  /** Values per id from the content cache, the missing ones loaded in one call; each kept under its post's tag. */
  async function byId<T>(prefix: string, ids: readonly number[], load: (missing: number[]) => Promise<Map<number, { value: T; postId: number }>>): Promise<Map<number, T>> {
    if (!ids.length) return new Map();
    const got = await cache.getMany<T>(
      ids.map((id) => prefix + id),
      async (missing) => {
        const found = await load(missing.map((k) => Number(k.slice(prefix.length))));
        const loaded = new Map<string, Loaded<T>>();
        for (const [id, { value, postId }] of found) loaded.set(prefix + id, { value, tags: [cacheTags.post(postId)] });
        return loaded;
      },
    );
    return new Map([...got].map(([k, v]) => [Number(k.slice(prefix.length)), v]));
  }

  const postPeople = (ids: readonly number[]) =>
    byId<PostPeople>(POST_KEY, ids, async (missing) => new Map([...(await findPostPeople(db, missing))].map(([id, value]) => [id, { value, postId: id }])));

  const commentLikers = (ids: readonly number[]) =>
    byId<KeptSet>(COMMENT_KEY, ids, async (missing) => new Map([...(await findCommentLikers(db, missing))].map(([id, c]) => [id, { value: c.likers, postId: c.postId }])));

  return {
    /** The facts findViewerFacts would answer, from the caches (and the database only for sets too large to keep). */
    async facts(viewerId: number, q: ViewerFactsQuery): Promise<ViewerFacts> {
      const members = [...new Set(q.memberIds)].filter((id) => id !== viewerId);
      const postIds = [...new Set(q.postIds)];
      const commentIds = [...new Set(q.commentIds ?? [])];
      const [rel, posts, comments] = await Promise.all([relations(viewerId), postPeople(postIds), commentLikers(commentIds)]);
      const facts = emptyViewerFacts();
      for (const m of members) {
        if (rel.follows?.has(m)) facts.follows.add(m);
        if (rel.followers?.has(m)) facts.followedBy.add(m);
        if (rel.blockedBy.has(m)) facts.blockedBy.add(m);
        if (rel.blocking.has(m)) facts.blocking.add(m);
        if (rel.muting.has(m)) facts.muting.add(m);
      }
      for (const s of [facts.blockedBy, facts.blocking, facts.muting]) for (const m of s) facts.hiddenMembers.add(m);
      const askPosts: number[] = [];
      for (const id of postIds) {
        const p = posts.get(id);
        if (!p) continue;
        if (p.mentioned.has(viewerId)) facts.mentionedIn.add(id);
        if (p.likers === null) askPosts.push(id);
        else if (p.likers.has(viewerId)) facts.likedPosts.add(id);
      }
      const askComments: number[] = [];
      for (const id of commentIds) {
        const likers = comments.get(id);
        if (likers === null) askComments.push(id);
        else if (likers?.has(viewerId)) facts.likedComments.add(id);
      }
      const askMembers = rel.follows === null || rel.followers === null ? members : [];
      if (askPosts.length || askComments.length || askMembers.length) {
        const asked = await findViewerFacts(db, viewerId, { memberIds: askMembers, postIds: askPosts, commentIds: askComments });
        if (rel.follows === null) for (const m of asked.follows) facts.follows.add(m);
        if (rel.followers === null) for (const m of asked.followedBy) facts.followedBy.add(m);
        for (const id of asked.likedPosts) facts.likedPosts.add(id);
        for (const id of asked.likedComments) facts.likedComments.add(id);
      }
      return facts;
    },
  };
}

export type ViewerFactsSource = ReturnType<typeof createViewerFacts>;
