// Posts on walls: write (with photos, mentions, hashtags), edit (earlier versions kept), delete,
// share, like, and every list of them. Rules that are not obvious:
// - What a viewer may see is decided by canViewPost (policies) for one post and by the same rule
//   in SQL (visiblePostsFilter) for lists; a post the viewer may not see is "not found".
// - Counters (likes, comments, shares, a profile's posts) change in the same transaction as the
//   rows they count, and only when a row really was added or removed.
// - Photos are stored before the transaction (decoding takes time); if the post is then refused,
//   they are removed again. Files of a deleted post are removed after the commit.
import type { Locale } from '../config.ts';
import { NotFoundError, ValidationError, type FieldError } from '../errors.ts';
import type { Executor } from '../db/executor.ts';
import { decodeCursor, toPage, type Page } from '../db/pagination.ts';
import { VISIBILITIES, type Visibility } from '../db/schema.ts';
import {
  addPostLike,
  adjustPostCounter,
  adjustProfilePostCount,
  deletePost,
  findActiveHandles,
  findPostRow,
  findPostsByIds,
  findWallPolicy,
  insertPhotos,
  insertPost,
  isMentioned,
  listLikers,
  listPhotos,
  listRevisions,
  listTagPosts,
  listWallPosts,
  mentionedUserIds,
  removePostLike,
  replaceMentions,
  replaceTags,
  updatePostBody,
  type PostRow,
} from '../repos/posts.ts';
import { findUserByHandle, findUserById } from '../repos/users.ts';
import { insertNotifications } from '../repos/notifications.ts';
import { fanOutPost } from '../repos/feed.ts';
import { isFollowingHashtag } from '../repos/followers.ts';
import { trimAfterFanOut } from './feed-service.ts';
import { recordLiveEvents } from '../repos/live-events.ts';
import { notifyAboutPost } from './notify.ts';
import { isFollowing } from '../repos/follows.ts';
import { membersCutFrom } from '../repos/blocks.ts';
import {
  canDeletePost,
  canEditPost,
  canInteractWithPost,
  canPostOnWall,
  canSeePostRevisions,
  canSharePost,
  canViewPost,
  canReport,
  isActive,
  type PostRelation,
} from '../policies/index.ts';
import type { RequestMeta, UploadedFile, Viewer, WritingDeps } from './context.ts';
import { blockedFrom, findViewerFacts, NO_FACTS, type ViewerFacts, type ViewerFactsQuery } from '../repos/viewer-facts.ts';
import { cacheTags, type ContentCache, type Loaded } from './content-cache.ts';
import { createViewerFacts } from './viewer-facts.ts';
import { isTag, mentionCandidates, normaliseTag, renderMarkdown } from './markdown.ts';
import { holdIfLimited } from './moderation/hold.ts';
import { flagWriting, screenWriting } from './moderation/screening.ts';
import { assertValid, checkText } from './validation.ts';

export const POST_MAX = 5000;
export const ALT_MAX = 300;
export const MAX_PHOTOS = 4;
const PAGE_SIZE = 20;
const LIKERS_PAGE = 50;
/** How many of a wall's newest posts are cached for first pages (each viewer sees a subset). */
const WALL_WINDOW = 60;

export interface PhotoItem {
  key: string;
  alt: string;
  width: number;
  height: number;
}

export interface PostItem {
  row: PostRow;
  photos: PhotoItem[];
  liked: boolean;
  can: { edit: boolean; delete: boolean; interact: boolean; share: boolean; revisions: boolean; report: boolean };
  /** the shared original, when this post is a share and the viewer may see it */
  shared: PostItem | null;
  /** a share whose original was deleted or is hidden from the viewer */
  sharedUnavailable: boolean;
}

/** Photos and shared originals of a set of posts. */
export interface PostExtras {
  photos: Map<number, PhotoItem[]>;
  originals: Map<number, PostRow>;
}

/** A post as every viewer gets it (cached); PostItem adds what is particular to one viewer. */
export interface PostModel {
  row: PostRow;
  extras: PostExtras;
}

interface WallModel {
  rows: PostRow[];
  /** the window holds every post of the wall */
  complete: boolean;
  extras: PostExtras;
}

export interface PostInput {
  body?: string;
  visibility?: string;
}

export interface PhotoInput {
  file: UploadedFile;
  alt: string;
  field: string;
}

export function cleanBody(raw: string | undefined): string {
  return (raw ?? '').normalize('NFC').replace(/\r\n?/g, '\n').trim();
}

type MediaStore = {
  storePhoto(file: UploadedFile, field: string): Promise<{ key: string; width: number; height: number }>;
  remove(key: string): Promise<void>;
};

/** Renders a text, resolving @mentions to active members; refuses forbidden link schemes. */
export async function renderText(db: Executor, body: string, field: string) {
  const found = await findActiveHandles(db, mentionCandidates(body));
  const known = new Map(found.map((u) => [u.handle.toLowerCase(), u.handle]));
  const result = renderMarkdown(body, known);
  if (result.refusedLinks.length) {
    throw new ValidationError({ [field]: { key: 'posts.errors.badLink', params: { link: result.refusedLinks[0] } } });
  }
  const ids = found.filter((u) => result.mentions.includes(u.handle.toLowerCase())).map((u) => u.id);
  return { html: result.html, mentionIds: ids, tags: result.tags };
}

/**
 * Notifies the members a text mentions, among those who may read the post: a mention is never
 * the way to learn that a hidden post exists. A mention in a comment does not widen who may
 * read a "mentioned people" post.
 */
export async function notifyMentions(
  executor: Executor,
  post: { id: number; author_id: number; wall_owner_id: number; visibility: Visibility; hidden_at: Date | null; held_at?: Date | null },
  userIds: number[],
  actorId: number,
  commentId?: number,
): Promise<void> {
  const rows = [];
  const cut = await membersCutFrom(executor, actorId, userIds);
  for (const userId of userIds) {
    if (userId === actorId || cut.has(userId)) continue;
    const rel = {
      followsAuthor: await isFollowing(executor, userId, post.author_id),
      mentioned: commentId === undefined ? true : await isMentioned(executor, post.id, userId),
    };
    if (!canViewPost({ id: userId, role: 'member', status: 'active' }, post, rel)) continue;
    rows.push({ userId, kind: commentId === undefined ? ('mention_post' as const) : ('mention_comment' as const), actorId, postId: post.id, commentId: commentId ?? null });
  }
  await insertNotifications(executor, rows);
}

/**
 * Deletes a post inside the caller's transaction with what moves with it: the author's post count
 * (a hidden or held post had already left it), the shared original's share count, and the post's
 * live channel. The author's delete and the moderators' share it. Answers false when it was gone.
 */
export async function removePostInside(trx: Executor, row: Pick<PostRow, 'id' | 'author_id' | 'shared_post_id' | 'hidden_at' | 'held_at'>): Promise<boolean> {
  if (!(await deletePost(trx, row.id))) return false;
  if (!row.hidden_at && !row.held_at) await adjustProfilePostCount(trx, row.author_id, -1);
  if (row.shared_post_id !== null) await adjustPostCounter(trx, row.shared_post_id, 'share_count', -1);
  await recordLiveEvents(trx, [{ channel: `post:${row.id}`, kind: 'post_deleted', subjectId: row.id }]);
  return true;
}

/** The viewer's relation to a post (canViewPost and the other post policies), from their facts. */
export const relationFrom = (facts: ViewerFacts, row: PostRow): PostRelation => ({
  followsAuthor: facts.follows.has(row.author_id),
  mentioned: facts.mentionedIn.has(row.id),
  blocked: blockedFrom(facts, row),
});

export function createPostService(deps: WritingDeps & { media?: MediaStore; memberCache?: ContentCache }) {
  const { db, cache } = deps;
  const viewerFacts = createViewerFacts({ db, cache, memberCache: deps.memberCache ?? cache });
  const now = () => deps.now?.() ?? new Date();
  const activeId = (viewer: Viewer | null) => (isActive(viewer) ? viewer.id : null);

  async function relationTo(viewer: Viewer | null, post: { id: number; author_id: number; wall_owner_id: number }): Promise<PostRelation> {
    if (!isActive(viewer)) return { followsAuthor: false, mentioned: false };
    const facts = await findViewerFacts(db, viewer.id, { memberIds: [post.author_id, post.wall_owner_id], postIds: [post.id] });
    return { followsAuthor: facts.follows.has(post.author_id), mentioned: facts.mentionedIn.has(post.id), blocked: blockedFrom(facts, post) };
  }

  /** Loads a post the viewer may see, or answers "not found". */
  async function visiblePost(viewer: Viewer | null, id: number): Promise<{ row: PostRow; rel: PostRelation }> {
    const row = await findPostRow(db, id);
    if (!row) throw new NotFoundError('post');
    const rel = await relationTo(viewer, row);
    if (!canViewPost(viewer, row, rel)) throw new NotFoundError('post');
    return { row, rel };
  }

  /** Photos and shared originals of some posts (two queries whatever their number). */
  async function loadExtras(rows: readonly PostRow[]): Promise<PostExtras> {
    const originalIds = [...new Set(rows.map((r) => r.shared_post_id).filter((id): id is number => id !== null))];
    const originals = await findPostsByIds(db, originalIds);
    const photoRows = await listPhotos(db, [...rows, ...originals].map((r) => r.id));
    const photos = new Map<number, PhotoItem[]>();
    for (const p of photoRows) {
      let list = photos.get(p.post_id);
      if (!list) photos.set(p.post_id, (list = []));
      list.push({ key: p.media_key, alt: p.alt, width: p.width, height: p.height });
    }
    return { photos, originals: new Map(originals.map((o) => [o.id, o])) };
  }

  /** The cache tags of posts and what they show (authors, walls, shared originals). */
  function tagsOf(rows: readonly PostRow[], extras: PostExtras): string[] {
    const tags = new Set<string>();
    for (const r of [...rows, ...extras.originals.values()]) {
      tags.add(cacheTags.post(r.id));
      tags.add(cacheTags.member(r.author_id));
      tags.add(cacheTags.member(r.wall_owner_id));
    }
    return [...tags];
  }

  /** What the viewer's facts query must cover for these posts. */
  function factsQueryOf(rows: readonly PostRow[], extras: PostExtras): { memberIds: number[]; postIds: number[] } {
    const all = [...rows, ...extras.originals.values()];
    return { memberIds: all.flatMap((r) => [r.author_id, r.wall_owner_id]), postIds: all.map((r) => r.id) };
  }

  async function factsFor(viewer: Viewer | null, query: ViewerFactsQuery): Promise<ViewerFacts> {
    const vid = activeId(viewer);
    return vid === null ? NO_FACTS : viewerFacts.facts(vid, query);
  }


  /** Flags, photos, likes and shared originals of posts the viewer may see, from what was loaded. */
  function buildItems(viewer: Viewer | null, rows: readonly PostRow[], extras: PostExtras, facts: ViewerFacts): PostItem[] {
    const item = (row: PostRow, shared: PostItem | null, sharedUnavailable: boolean): PostItem => {
      const rel = relationFrom(facts, row);
      return {
        row,
        photos: extras.photos.get(row.id) ?? [],
        liked: facts.likedPosts.has(row.id),
        can: {
          edit: canEditPost(viewer, row),
          delete: canDeletePost(viewer, row),
          interact: canInteractWithPost(viewer, row, rel),
          share: canSharePost(viewer, row, rel),
          revisions: !!row.edited_at && canSeePostRevisions(viewer, row),
          report: canReport(viewer, { authorId: row.author_id }),
        },
        shared,
        sharedUnavailable,
      };
    };
    return rows.map((r) => {
      const original = r.shared_post_id !== null ? extras.originals.get(r.shared_post_id) : undefined;
      const shared = original && canViewPost(viewer, original, relationFrom(facts, original)) ? item(original, null, false) : null;
      return item(r, shared, r.is_share && !shared);
    });
  }

  /** For lists read with the SQL visibility filter: extras and facts, three queries in all. */
  async function decorate(viewer: Viewer | null, rows: PostRow[]): Promise<PostItem[]> {
    const extras = await loadExtras(rows);
    return buildItems(viewer, rows, extras, await factsFor(viewer, factsQueryOf(rows, extras)));
  }

  /** A post with its photos and shared original, as every viewer gets it (cached). */
  function postModel(id: number): Promise<PostModel | null> {
    return cache.get(`post:${id}`, async () => {
      const row = await findPostRow(db, id);
      if (!row) return { value: null, tags: [cacheTags.post(id)] };
      const extras = await loadExtras([row]);
      return { value: { row, extras }, tags: tagsOf([row], extras) };
    });
  }

  /** Many posts by id (a feed page), each cached under the same key as postModel; misses in one batch. */
  async function postModels(ids: readonly number[]): Promise<Map<number, PostModel>> {
    const got = await cache.getMany<PostModel>(
      ids.map((id) => `post:${id}`),
      async (missing) => {
        const rows = await findPostsByIds(db, missing.map((k) => Number(k.slice(5))));
        const all = await loadExtras(rows);
        const loaded = new Map<string, Loaded<PostModel>>();
        for (const row of rows) {
          const original = row.shared_post_id !== null ? all.originals.get(row.shared_post_id) : undefined;
          const photos = new Map<number, PhotoItem[]>();
          for (const r of original ? [row, original] : [row]) photos.set(r.id, all.photos.get(r.id) ?? []);
          const extras: PostExtras = { photos, originals: new Map(original ? [[original.id, original]] : []) };
          loaded.set(`post:${row.id}`, { value: { row, extras }, tags: tagsOf([row], extras) });
        }
        return loaded;
      },
    );
    return new Map([...got.values()].map((m) => [m.row.id, m]));
  }

  /** The newest posts of a wall whatever their visibility (cached); each viewer's page is filtered from it. */
  function wallModel(ownerId: number): Promise<WallModel> {
    return cache.get(`wall:${ownerId}`, async () => {
      const rows = await listWallPosts(db, ownerId, 'everything', WALL_WINDOW + 1);
      const window = rows.slice(0, WALL_WINDOW);
      const extras = await loadExtras(window);
      return { value: { rows: window, complete: rows.length <= WALL_WINDOW, extras }, tags: [cacheTags.wall(ownerId), ...tagsOf(window, extras)] };
    });
  }

  function checkPost(input: PostInput, opts: { allowEmpty: boolean }): { body: string; visibility: Visibility } {
    const body = cleanBody(input.body);
    const visibility = input.visibility ?? '';
    // checkText also refuses control and bidi-override characters (a NUL would not even store).
    const bodyError: FieldError | undefined =
      body === '' && !opts.allowEmpty ? { key: 'posts.errors.empty' } : checkText(body, { max: POST_MAX, multiline: true });
    assertValid({
      body: bodyError,
      visibility: (VISIBILITIES as readonly string[]).includes(visibility) ? undefined : { key: 'validation.choice' },
    });
    return { body, visibility: visibility as Visibility };
  }

  return {
    /** The member whose wall this is (active accounts only). */
    async wallOwner(handle: string): Promise<{ id: number; handle: string; displayName: string }> {
      const user = /^[A-Za-z0-9_]{1,30}$/.test(handle) ? await findUserByHandle(db, handle) : undefined;
      if (!user || user.status !== 'active') throw new NotFoundError('member');
      return { id: user.id, handle: user.handle, displayName: user.display_name };
    },

    /** The wall of a member: their posts and what others wrote there, newest first, as the viewer may see. */
    /** `owner`, on a first page from the cache: the cached window it comes from (it lives exactly as long as the page is current: fragment owner). */
    async listWall(viewer: Viewer | null, ownerId: number, cursor: string | undefined, known?: { facts: ViewerFacts }): Promise<Page<PostItem> & { owner?: object }> {
      const before = decodeCursor(cursor);
      if (!before) {
        // The first page comes from the cached window when it holds enough posts this viewer may see.
        const wall = await wallModel(ownerId);
        const facts = known?.facts ?? (await factsFor(viewer, factsQueryOf(wall.rows, wall.extras)));
        const visible = wall.rows.filter((r) => canViewPost(viewer, r, relationFrom(facts, r)));
        if (visible.length > PAGE_SIZE || wall.complete) {
          const page = toPage(visible, PAGE_SIZE);
          return { items: buildItems(viewer, page.items, wall.extras, facts), next: page.next, owner: wall };
        }
      }
      const rows = await listWallPosts(db, ownerId, activeId(viewer), PAGE_SIZE + 1, before);
      const page = toPage(rows, PAGE_SIZE);
      return { items: await decorate(viewer, page.items), next: page.next };
    },

    /** What the viewer facts query of a profile page must cover for its wall's first page. */
    async wallFactsQuery(ownerId: number): Promise<{ memberIds: number[]; postIds: number[] }> {
      const wall = await wallModel(ownerId);
      return factsQueryOf(wall.rows, wall.extras);
    },

    /** `following`: the viewer follows this hashtag (the follow button). */
    async listTag(viewer: Viewer | null, rawTag: string, cursor: string | undefined): Promise<{ tag: string; page: Page<PostItem>; following: boolean }> {
      const tag = normaliseTag(rawTag);
      if (!isTag(tag)) throw new NotFoundError('tag');
      const rows = await listTagPosts(db, tag, activeId(viewer), PAGE_SIZE + 1, decodeCursor(cursor));
      const page = toPage(rows, PAGE_SIZE);
      const following = isActive(viewer) ? await isFollowingHashtag(db, viewer.id, tag) : false;
      return { tag, page: { items: await decorate(viewer, page.items), next: page.next }, following };
    },

    /** A post as it is now (edit and share forms), or "not found". */
    async get(viewer: Viewer | null, id: number): Promise<PostItem> {
      const { row } = await visiblePost(viewer, id);
      return (await decorate(viewer, [row]))[0]!;
    },

    /** The post for its page, from the cache, checked against the viewer; `facts` cover at least factsQueryOf. */
    async pageModel(id: number): Promise<PostModel> {
      const model = await postModel(id);
      if (!model) throw new NotFoundError('post');
      return model;
    },

    pageFactsQuery(model: PostModel): { memberIds: number[]; postIds: number[] } {
      return factsQueryOf([model.row], model.extras);
    },

    /** The viewer's view of a cached post, or "not found" when they may not see it. */
    viewOf(viewer: Viewer | null, model: PostModel, facts: ViewerFacts): { item: PostItem; rel: PostRelation } {
      const rel = relationFrom(facts, model.row);
      if (!canViewPost(viewer, model.row, rel)) throw new NotFoundError('post');
      return { item: buildItems(viewer, [model.row], model.extras, facts)[0]!, rel };
    },

    factsFor,

    /** A post as it is in the database now, not from the cache (live delivery re-checks permissions on it). */
    async freshModel(id: number): Promise<PostModel | null> {
      const row = await findPostRow(db, id);
      return row ? { row, extras: await loadExtras([row]) } : null;
    },

    /**
     * Posts by id, in that order, as this viewer may see them (those they may not are left out):
     * cached models plus the viewer's cached facts. For lists whose ids come from elsewhere
     * (a feed page).
     */
    async viewPosts(viewer: Viewer | null, ids: readonly number[]): Promise<PostItem[]> {
      const models = await postModels(ids);
      const list = ids.map((id) => models.get(id)).filter((m): m is PostModel => !!m);
      const extras: PostExtras = { photos: new Map(), originals: new Map() };
      for (const m of list) {
        for (const [k, v] of m.extras.photos) extras.photos.set(k, v);
        for (const [k, v] of m.extras.originals) extras.originals.set(k, v);
      }
      const rows = list.map((m) => m.row);
      const facts = await factsFor(viewer, factsQueryOf(rows, extras));
      const visible = rows.filter((r) => canViewPost(viewer, r, relationFrom(facts, r)));
      return buildItems(viewer, visible, extras, facts);
    },

    /** Whether the viewer may write on this member's wall (the composer is shown only then). */
    async canWriteOn(viewer: Viewer | null, ownerId: number): Promise<boolean> {
      if (!isActive(viewer)) return false;
      const wallPolicy = await findWallPolicy(db, ownerId);
      if (!wallPolicy) return false;
      const ownerFollowsViewer = viewer.id !== ownerId && wallPolicy === 'following' ? await isFollowing(db, ownerId, viewer.id) : false;
      return canPostOnWall(viewer, { id: ownerId, wall_policy: wallPolicy }, ownerFollowsViewer);
    },

    async create(viewer: Viewer | null, ownerId: number, input: PostInput, photos: PhotoInput[], _locale: Locale, _meta: RequestMeta): Promise<{ id: number; held: boolean }> {
      if (!isActive(viewer)) throw new NotFoundError('wall');
      const owner = await findUserById(db, ownerId);
      if (!owner || owner.status !== 'active') throw new NotFoundError('wall');
      if (!(await this.canWriteOn(viewer, ownerId))) throw new ValidationError({ form: { key: 'posts.errors.wallClosed' } });
      const checked = checkPost(input, { allowEmpty: photos.length > 0 });
      const { visibility } = checked;
      // New-member rules and watched words may refuse, rewrite, hold or flag the post.
      const screen = await screenWriting(db, viewer.id, checked.body, 'post', now());
      const body = screen.body;
      if (photos.length > MAX_PHOTOS) throw new ValidationError({ photos: { key: 'posts.errors.tooManyPhotos', params: { max: MAX_PHOTOS } } });
      assertValid(Object.fromEntries(photos.map((p) => [`alt${p.field.replace(/\D/g, '')}`, checkText(p.alt.normalize('NFC').trim(), { max: ALT_MAX })])));
      const rendered = await renderText(db, body, 'body');
      deps.posting.take(viewer.id);

      const stored: PhotoItem[] = [];
      try {
        for (const p of photos) {
          if (!deps.media) throw new Error('media storage is not configured');
          const s = await deps.media.storePhoto(p.file, p.field);
          stored.push({ key: s.key, width: s.width, height: s.height, alt: p.alt.normalize('NFC').trim() });
        }
        const created = await db.transaction().execute(async (trx) => {
          const inserted = await insertPost(trx, { authorId: viewer.id, wallOwnerId: ownerId, body, bodyHtml: rendered.html, visibility });
          // Members under a "limit" sanction publish into the review queue (moderation).
          const held = await holdIfLimited(trx, inserted, { authorHandle: viewer.handle, now: now(), force: screen.hold });
          await flagWriting(trx, { kind: 'post', id: inserted.id, authorId: viewer.id, authorHandle: viewer.handle, body, url: `/posts/${inserted.id}` }, screen.flags);
          const post = held ? { ...inserted, held_at: now() } : inserted;
          await insertPhotos(trx, post.id, stored);
          await replaceMentions(trx, post.id, rendered.mentionIds);
          await replaceTags(trx, post.id, rendered.tags, post.created_at);
          if (!held) await adjustProfilePostCount(trx, viewer.id, 1);
          await notifyMentions(trx, post, rendered.mentionIds, viewer.id);
          const reached = await fanOutPost(trx, post, rendered.tags);
          return { id: post.id, reached, held };
        });
        cache.invalidate([cacheTags.post(created.id), cacheTags.wall(ownerId), cacheTags.profile(viewer.id)]);
        await trimAfterFanOut(db, created.reached, created.id, deps.config.feedKeep);
        return { id: created.id, held: created.held };
      } catch (err) {
        await Promise.all(stored.map((s) => deps.media?.remove(s.key).catch(() => {})));
        throw err;
      }
    },

    async edit(viewer: Viewer | null, id: number, input: PostInput): Promise<void> {
      const { row } = await visiblePost(viewer, id);
      if (!canEditPost(viewer, row)) throw new NotFoundError('post');
      const photos = await listPhotos(db, [row.id]);
      const { body, visibility } = checkPost(input, { allowEmpty: photos.length > 0 || row.is_share });
      const rendered = await renderText(db, body, 'body');
      await db.transaction().execute(async (trx) => {
        const before = new Set(await mentionedUserIds(trx, row.id));
        await updatePostBody(trx, row, { body, bodyHtml: rendered.html, visibility }, now());
        await replaceMentions(trx, row.id, rendered.mentionIds);
        await replaceTags(trx, row.id, rendered.tags, row.created_at);
        await notifyMentions(trx, { ...row, visibility }, rendered.mentionIds.filter((u) => !before.has(u)), viewer.id);
        await recordLiveEvents(trx, [{ channel: `post:${row.id}`, kind: 'post', subjectId: row.id }]);
      });
      // Shares showing this post carry its tag too.
      cache.invalidate([cacheTags.post(row.id), cacheTags.wall(row.wall_owner_id)]);
    },

    async remove(viewer: Viewer | null, id: number): Promise<{ wallHandle: string }> {
      const { row } = await visiblePost(viewer, id);
      if (!canDeletePost(viewer, row)) throw new NotFoundError('post');
      const keys = (await listPhotos(db, [row.id])).map((p) => p.media_key);
      await db.transaction().execute((trx) => removePostInside(trx, row));
      cache.invalidate([cacheTags.post(row.id), cacheTags.wall(row.wall_owner_id), cacheTags.profile(row.author_id), ...(row.shared_post_id !== null ? [cacheTags.post(row.shared_post_id)] : [])]);
      await Promise.all(keys.map((k) => deps.media?.remove(k).catch(() => {})));
      return { wallHandle: row.wall_handle };
    },

    async revisions(viewer: Viewer | null, id: number) {
      const { row } = await visiblePost(viewer, id);
      if (!canSeePostRevisions(viewer, row)) throw new NotFoundError('post');
      return { post: (await decorate(viewer, [row]))[0]!, revisions: await listRevisions(db, row.id) };
    },

    /** Re-posts a public or members post (or the original of a share) on the viewer's wall. */
    async share(viewer: Viewer | null, id: number, input: PostInput): Promise<{ id: number }> {
      let { row, rel } = await visiblePost(viewer, id);
      if (row.shared_post_id !== null) ({ row, rel } = await visiblePost(viewer, row.shared_post_id));
      if (!canSharePost(viewer, row, rel)) throw new NotFoundError('post');
      const { body, visibility } = checkPost(input, { allowEmpty: true });
      const rendered = await renderText(db, body, 'body');
      deps.posting.take(viewer.id);
      const original = row;
      const created = await db.transaction().execute(async (trx) => {
        const post = await insertPost(trx, { authorId: viewer.id, wallOwnerId: viewer.id, body, bodyHtml: rendered.html, visibility, sharedPostId: original.id });
        await adjustPostCounter(trx, original.id, 'share_count', 1);
        await replaceMentions(trx, post.id, rendered.mentionIds);
        await replaceTags(trx, post.id, rendered.tags, post.created_at);
        await adjustProfilePostCount(trx, viewer.id, 1);
        await notifyMentions(trx, post, rendered.mentionIds, viewer.id);
        const reached = await fanOutPost(trx, post, rendered.tags);
        return { id: post.id, reached };
      });
      cache.invalidate([cacheTags.post(created.id), cacheTags.post(original.id), cacheTags.wall(viewer.id), cacheTags.profile(viewer.id)]);
      await trimAfterFanOut(db, created.reached, created.id, deps.config.feedKeep);
      return { id: created.id };
    },

    async setLike(viewer: Viewer | null, id: number, like: boolean): Promise<void> {
      const { row, rel } = await visiblePost(viewer, id);
      if (!canInteractWithPost(viewer, row, rel)) throw new NotFoundError('post');
      await db.transaction().execute(async (trx) => {
        const changed = like ? await addPostLike(trx, row.id, viewer.id) : await removePostLike(trx, row.id, viewer.id);
        if (!changed) return;
        if (like) await notifyAboutPost(trx, row, [{ userId: row.author_id, kind: 'like_post' }], viewer.id);
        await recordLiveEvents(trx, [{ channel: `post:${row.id}`, kind: 'post', subjectId: row.id }]);
      });
      cache.invalidate([cacheTags.post(row.id)]);
    },

    async likers(viewer: Viewer | null, id: number, cursor: string | undefined) {
      const { row } = await visiblePost(viewer, id);
      const rows = await listLikers(db, 'post_likes', row.id, LIKERS_PAGE + 1, decodeCursor(cursor));
      return { post: row, page: toPage(rows, LIKERS_PAGE) };
    },

    /** For the comment service: the post if the viewer may see it, with the viewer's relation. */
    visiblePost,
  };
}

export type PostService = ReturnType<typeof createPostService>;
