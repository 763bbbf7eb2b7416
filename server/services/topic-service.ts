// The discussion forum: categories (admins), topics and their replies (members), moderation
// (moderators pin, lock, move, retitle, remove replies), likes on replies, follows of topics and
// categories, per-member read positions, and the discussions index. Rules that are not obvious:
// - Everything here is public: signed-out visitors read categories, topics and replies.
// - A topic's counters and "last activity" move in the same transaction as the reply that
//   changes them; a like counter moves only when its row really was added or removed.
// - The read position only moves forward: it is the newest reply id the member has been shown.
// - Authors follow their own topics; a reply notifies the topic's author (reply_topic), the
//   members it mentions (mention_topic) and the topic's other followers (reply_followed_topic),
//   each member once.
// - A new topic enters the home feed of its category's followers in the transaction that creates
//   it (topics are public, so every follower may see it); following a category brings its recent
//   topics into the feed, unfollowing takes them out (server/repos/feed.ts).
import { cacheTags } from './content-cache.ts';
import { NotFoundError, UnauthenticatedError, ValidationError, type FieldError } from '../errors.ts';
import { decodeCursor, toPage, type Page } from '../db/pagination.ts';
import type { ForumCategory } from '../db/schema.ts';
import type { Executor } from '../db/executor.ts';
import {
  addReplyLike,
  addTopicTags,
  bumpTopic,
  countRepliesBefore,
  deleteReply,
  deleteTargetFollow,
  findCategory,
  findReadPosition,
  findReply,
  findTopicRow,
  findTopicViewerFacts,
  NO_TOPIC_FACTS,
  firstReplyAfter,
  insertCategory,
  insertReply,
  insertTargetFollow,
  insertTopic,
  isFollowingTarget,
  listCategories,
  listCategoryTopics,
  listTopicsByIds,
  listUnfollowedCategories,
  listDiscussions,
  listPinnedTopics,
  listReplies,
  markRead,
  notifyTopicFollowers,
  refreshTopicAfterRemoval,
  removeReplyLike,
  updateCategory,
  updateReply,
  updateTopic,
  updateTopicBody,
  type CategoryValues,
  type DiscussionFilter,
  type FollowTarget,
  type ReplyRow,
  type TopicChanges,
  type TopicListRow,
  type TopicRow,
} from '../repos/topics.ts';
import {
  canDeleteTopicReply,
  canEditTopic,
  canEditTopicReply,
  canFollowTopics,
  canLikeTopicReply,
  canManageCategories,
  canModerateTopic,
  canPostInCategory,
  canReplyToTopic,
  canReport,
  isActive,
  isHiddenFor,
} from '../policies/index.ts';
import type { RequestMeta, Viewer, WritingDeps } from './context.ts';
import { audit, type AuditAction } from './audit-service.ts';
import { isTag, normaliseTag } from './markdown.ts';
import { recordLiveEvents } from '../repos/live-events.ts';
import { membersCutFrom } from '../repos/blocks.ts';
import { flagWriting, screenWriting } from './moderation/screening.ts';
import { cleanBody, POST_MAX, renderText } from './post-service.ts';
import { assertValid, checkText, clean, isUniqueViolation } from './validation.ts';
import { backfillCategory, deliverToFollowersOf, FEED_REASONS, withdrawCategory } from '../repos/feed.ts';
import { trimAfterFanOut } from './feed-service.ts';
import { insertNotifications } from '../repos/notifications.ts';

export const TOPIC_LIMITS = {
  title: 150,
  body: POST_MAX,
  categoryName: 60,
  categoryDescription: 500,
  lockReason: 300,
  position: 9999,
} as const;
export const REPLIES_PAGE = 20;
export const TOPICS_PAGE = 30;
const PINNED_MAX = 20;

export interface ReplyItem {
  row: ReplyRow;
  liked: boolean;
  /** newer than the viewer's read position when the page was opened (never their own) */
  unread: boolean;
  can: { edit: boolean; delete: boolean; like: boolean; quote: boolean; report: boolean };
}

export interface TopicPage {
  topic: TopicRow;
  /** the opening post is on this page (the first one) */
  showOpening: boolean;
  replies: ReplyItem[];
  /** reply id for ?before= (older replies), and for ?after= (newer ones) */
  prev: number | undefined;
  next: number | undefined;
  /** the first reply the viewer has not read yet, when they had read part of the topic */
  firstUnreadId: number | undefined;
  following: boolean;
  can: { reply: boolean; moderate: boolean; follow: boolean; edit: boolean; report: boolean };
}

export interface TopicListItem {
  row: TopicListRow;
  /** never opened (signed-in viewers only) */
  isNew: boolean;
  /** opened, and replies came since */
  hasUnread: boolean;
}

export interface CategoryInput {
  name?: string;
  description?: string;
  colour?: string;
  position?: string;
  restricted?: string;
}

const FILTERS: readonly DiscussionFilter[] = ['latest', 'unanswered', 'followed'];

/** Tells the topic's live channel (server/live/topic-channels.ts) at commit: `reply` (new, edited, liked), `reply_deleted`, `topic`. */
const live = (trx: Executor, topicId: number, kind: 'reply' | 'reply_deleted' | 'topic', subjectId: number) =>
  recordLiveEvents(trx, [{ channel: `topic:${topicId}`, kind, subjectId }]);

export function createTopicService(deps: WritingDeps) {
  const { db, cache } = deps;
  const now = () => deps.now?.() ?? new Date();
  const viewerId = (viewer: Viewer | null) => (isActive(viewer) ? viewer.id : null);

  function checkCategory(input: CategoryInput): CategoryValues {
    const name = clean(input.name);
    const description = clean(input.description).replace(/\r\n?/g, '\n');
    const colour = clean(input.colour).toLowerCase() || '#3b6ea5';
    const positionRaw = clean(input.position) || '0';
    const position = /^\d{1,4}$/.test(positionRaw) ? Number(positionRaw) : NaN;
    assertValid({
      name: checkText(name, { required: true, max: TOPIC_LIMITS.categoryName }),
      description: checkText(description, { max: TOPIC_LIMITS.categoryDescription, multiline: true }),
      colour: /^#[0-9a-f]{6}$/.test(colour) ? undefined : { key: 'topics.errors.colour' },
      position: Number.isNaN(position) ? { key: 'topics.errors.position', params: { max: TOPIC_LIMITS.position } } : undefined,
    });
    return { name, description, colour, position, restricted: input.restricted === '1' || input.restricted === 'on' };
  }

  async function saveCategory(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (err) {
      if (isUniqueViolation(err, 'forum_categories_name_key')) throw new ValidationError({ name: { key: 'topics.errors.categoryTaken' } });
      throw err;
    }
  }

  const titleOf = (raw: string | undefined) => clean(raw).replace(/\s+/g, ' ');
  const titleError = (title: string) => checkText(title, { required: true, max: TOPIC_LIMITS.title });
  const bodyError = (body: string): FieldError | undefined => (body === '' ? { key: 'topics.errors.emptyBody' } : checkText(body, { max: TOPIC_LIMITS.body, multiline: true }));

  function checkTitle(raw: string | undefined): string {
    const title = titleOf(raw);
    assertValid({ title: titleError(title) });
    return title;
  }

  function checkBody(raw: string | undefined): string {
    const body = cleanBody(raw);
    assertValid({ body: bodyError(body) });
    return body;
  }

  async function category(id: number): Promise<ForumCategory> {
    const c = await findCategory(db, id);
    if (!c) throw new NotFoundError('category');
    return c;
  }

  async function topic(id: number): Promise<TopicRow> {
    const t = await findTopicRow(db, id);
    if (!t) throw new NotFoundError('topic');
    return t;
  }

  async function reply(id: number): Promise<ReplyRow> {
    const r = await findReply(db, id);
    if (!r) throw new NotFoundError('reply');
    return r;
  }

  /** Whose writing this viewer does not see among these members (blocks either way, their mutes). */
  async function hiddenMembersFor(viewer: Viewer | null, topicId: number, memberIds: number[]): Promise<Set<number>> {
    const vid = viewerId(viewer);
    return vid === null ? new Set() : (await findTopicViewerFacts(db, vid, topicId, [], memberIds)).hiddenMembers;
  }

  /**
   * A topic as this viewer may see it: not hidden by moderation (but to its author) and not
   * written by a member a block separates from them or they muted (isHiddenFor, as for posts).
   */
  async function seenTopic(viewer: Viewer | null, id: number): Promise<TopicRow> {
    const t = await topic(id);
    const hidden = await hiddenMembersFor(viewer, t.id, [t.author_id]);
    if (isHiddenFor(viewer, t, { blocked: hidden.has(t.author_id) })) throw new NotFoundError('topic');
    return t;
  }

  /** A reply as this viewer may see it: its topic and itself both seen. */
  async function seenReply(viewer: Viewer | null, id: number): Promise<ReplyRow> {
    const r = await reply(id);
    const t = await topic(r.topic_id);
    const hidden = await hiddenMembersFor(viewer, t.id, [t.author_id, r.author_id]);
    if (isHiddenFor(viewer, t, { blocked: hidden.has(t.author_id) }) || isHiddenFor(viewer, r, { blocked: hidden.has(r.author_id) })) throw new NotFoundError('reply');
    return r;
  }

  function listItems(viewer: Viewer | null, rows: TopicListRow[]): TopicListItem[] {
    const signedIn = viewerId(viewer) !== null;
    return rows.map((row) => {
      const isNew = signedIn && row.last_read_reply_id === null && row.author_id !== viewer!.id;
      const hasUnread = signedIn && row.last_read_reply_id !== null && row.last_reply_id !== null && row.last_reply_id > row.last_read_reply_id;
      return { row, isNew, hasUnread };
    });
  }

  /** Mentions and follower fan-out of a new reply (or the opening post, replyId null). */
  async function notify(
    trx: Executor,
    t: { id: number; author_id: number },
    replyId: number | null,
    actorId: number,
    mentionIds: number[],
  ): Promise<void> {
    // Nobody is notified across a block, nor by a member they muted.
    const cut = await membersCutFrom(trx, actorId, [...mentionIds, t.author_id]);
    const mentioned = mentionIds.filter((u) => u !== actorId && !cut.has(u));
    const rows: { userId: number; kind: 'mention_topic' | 'reply_topic'; actorId: number; topicId: number; replyId: number | null }[] = mentioned.map((userId) => ({
      userId,
      kind: 'mention_topic',
      actorId,
      topicId: t.id,
      replyId,
    }));
    if (replyId !== null && t.author_id !== actorId && !mentioned.includes(t.author_id) && !cut.has(t.author_id)) {
      rows.push({ userId: t.author_id, kind: 'reply_topic', actorId, topicId: t.id, replyId });
    }
    await insertNotifications(trx, rows);
    if (replyId !== null) await notifyTopicFollowers(trx, t.id, replyId, actorId, [t.author_id, ...mentioned]);
  }

  /**
   * An edited opening post (replyId null) or reply: saved with its tags, and the members it now
   * mentions for the first time are notified (an edit never notifies a mention twice).
   */
  async function saveEdit(
    viewer: Viewer,
    t: { id: number; created_at: Date },
    oldBody: string,
    rawBody: string | undefined,
    replyId: number | null,
    update: (trx: Executor, body: string, html: string) => Promise<void>,
  ): Promise<void> {
    const body = checkBody(rawBody);
    const rendered = await renderText(db, body, 'body');
    const old = await renderText(db, oldBody, 'body').catch(() => ({ mentionIds: [] as number[] }));
    await db.transaction().execute(async (trx) => {
      await update(trx, body, rendered.html);
      await addTopicTags(trx, t.id, rendered.tags, t.created_at);
      const cut = await membersCutFrom(trx, viewer.id, rendered.mentionIds);
      const fresh = rendered.mentionIds.filter((u) => !old.mentionIds.includes(u) && u !== viewer.id && !cut.has(u));
      await insertNotifications(trx, fresh.map((userId) => ({ userId, kind: 'mention_topic' as const, actorId: viewer.id, topicId: t.id, replyId })));
      await live(trx, t.id, replyId === null ? 'topic' : 'reply', replyId ?? t.id);
    });
  }

  /**
   * A moderator's change to a topic (refused as "not found" to anyone else), saved with its audit
   * event in one transaction; `change` validates the input and answers null when nothing changes.
   */
  async function moderate(
    viewer: Viewer | null,
    topicId: number,
    meta: RequestMeta,
    change: (t: TopicRow) => Promise<{ set: TopicChanges; action: AuditAction; details?: Record<string, unknown> } | null>,
  ): Promise<void> {
    const t = await topic(topicId);
    if (!canModerateTopic(viewer)) throw new NotFoundError('topic');
    const c = await change(t);
    if (!c) return;
    await db.transaction().execute(async (trx) => {
      await updateTopic(trx, t.id, c.set);
      await audit(trx, c.action, meta, { actorId: viewer.id, targetUserId: t.author_id, details: { topicId: t.id, ...c.details } });
      await live(trx, t.id, 'topic', t.id);
    });
  }

  return {
    // ---- categories ----------------------------------------------------------------------

    async categories(): Promise<ForumCategory[]> {
      return listCategories(db);
    },

    async categoriesForAdmin(viewer: Viewer | null): Promise<ForumCategory[]> {
      if (!canManageCategories(viewer)) throw new NotFoundError('categories');
      return listCategories(db);
    },

    async categoryForAdmin(viewer: Viewer | null, id: number): Promise<ForumCategory> {
      if (!canManageCategories(viewer)) throw new NotFoundError('categories');
      return category(id);
    },

    async createCategory(viewer: Viewer | null, input: CategoryInput, meta: RequestMeta): Promise<ForumCategory> {
      if (!canManageCategories(viewer)) throw new NotFoundError('categories');
      const values = checkCategory(input);
      let created: ForumCategory | undefined;
      await saveCategory(() =>
        db.transaction().execute(async (trx) => {
          created = await insertCategory(trx, values);
          await audit(trx, 'admin.category_created', meta, { actorId: viewer.id, details: { categoryId: created.id, name: values.name, restricted: values.restricted } });
        }),
      );
      return created!;
    },

    async updateCategory(viewer: Viewer | null, id: number, input: CategoryInput, meta: RequestMeta): Promise<void> {
      if (!canManageCategories(viewer)) throw new NotFoundError('categories');
      const before = await category(id);
      const values = checkCategory(input);
      await saveCategory(() =>
        db.transaction().execute(async (trx) => {
          await updateCategory(trx, id, values, now());
          const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => before[k as keyof CategoryValues] !== v));
          await audit(trx, 'admin.category_updated', meta, { actorId: viewer.id, details: { categoryId: id, ...changed } });
        }),
      );
    },

    /** A category page: pinned topics first (first page only), then the others by last activity. */
    async categoryPage(viewer: Viewer | null, id: number, cursor: string | undefined) {
      const c = await category(id);
      const vid = viewerId(viewer);
      const before = decodeCursor(cursor);
      const pinned = before ? [] : await listPinnedTopics(db, id, vid, PINNED_MAX);
      const page = toPage(await listCategoryTopics(db, id, vid, TOPICS_PAGE + 1, before), TOPICS_PAGE, (r) => r.last_activity_at);
      const following = vid !== null && (await isFollowingTarget(db, vid, { categoryId: id }));
      return {
        category: c,
        pinned: listItems(viewer, pinned),
        topics: { items: listItems(viewer, page.items), next: page.next },
        following,
        can: { post: canPostInCategory(viewer, c), follow: canFollowTopics(viewer) },
      };
    },

    // ---- the discussions index -------------------------------------------------------------

    async discussions(viewer: Viewer | null, rawFilter: string | undefined, cursor: string | undefined, rawTag?: string) {
      const filter = (FILTERS as readonly string[]).includes(rawFilter ?? '') ? (rawFilter as DiscussionFilter) : 'latest';
      if (filter === 'followed' && !isActive(viewer)) throw new UnauthenticatedError();
      let tag: string | undefined;
      if (rawTag !== undefined && rawTag !== '') {
        tag = normaliseTag(rawTag.replace(/^#/, ''));
        if (!isTag(tag)) throw new NotFoundError('tag');
      }
      const rows = await listDiscussions(db, filter, viewerId(viewer), TOPICS_PAGE + 1, decodeCursor(cursor), tag);
      const page = toPage(rows, TOPICS_PAGE, (r) => (tag !== undefined || filter === 'unanswered' ? r.created_at : r.last_activity_at));
      return { filter, tag, topics: { items: listItems(viewer, page.items), next: page.next }, categories: await listCategories(db) };
    },

    // ---- topics --------------------------------------------------------------------------

    /** The category a new topic goes in, and whether the viewer may open one there. */
    async newTopicContext(viewer: Viewer | null, categoryId: number) {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      const c = await category(categoryId);
      return { category: c, canPost: canPostInCategory(viewer, c) };
    },

    async createTopic(viewer: Viewer | null, categoryId: number, input: { title?: string; body?: string }): Promise<{ id: number }> {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      const c = await category(categoryId);
      if (!canPostInCategory(viewer, c)) throw new ValidationError({ form: { key: 'topics.errors.restricted' } });
      const typedTitle = titleOf(input.title);
      const typedBody = cleanBody(input.body);
      assertValid({ title: titleError(typedTitle), body: bodyError(typedBody) });
      // New-member rules and watched words may refuse, rewrite or flag it (forum writing is never
      // held). Title and body are screened as one text: a title has no line breaks, so the first
      // blank line still separates them after replacements, which are checked again.
      const screen = await screenWriting(db, viewer.id, `${typedTitle}\n\n${typedBody}`, 'comment', now());
      const cut = screen.body.indexOf('\n\n');
      const title = titleOf(screen.body.slice(0, cut));
      const body = cleanBody(screen.body.slice(cut + 2));
      assertValid({ title: titleError(title), body: bodyError(body) });
      const rendered = await renderText(db, body, 'body');
      deps.posting.take(viewer.id);
      const created = await db.transaction().execute(async (trx) => {
        const t = await insertTopic(trx, { categoryId: c.id, authorId: viewer.id, title, body, bodyHtml: rendered.html });
        await flagWriting(trx, { kind: 'topic', id: t.id, authorId: viewer.id, authorHandle: viewer.handle, body: `${title}\n\n${body}`, url: `/t/${t.id}` }, screen.flags);
        await insertTargetFollow(trx, viewer.id, { topicId: t.id });
        await markRead(trx, viewer.id, t.id, 0, now());
        await addTopicTags(trx, t.id, rendered.tags, t.created_at);
        await notify(trx, t, null, viewer.id, rendered.mentionIds);
        const reached = await deliverToFollowersOf(trx, 'category_id', [c.id], { topicId: t.id, feedAt: t.created_at }, FEED_REASONS.topic);
        return { id: t.id, reached };
      });
      await trimAfterFanOut(db, created.reached, created.id, deps.config.feedKeep);
      return { id: created.id };
    },

    /**
     * One page of a topic: the opening post on the first page, then replies oldest first (keyset
     * on the reply id, `after` or `before` a reply). Opening it moves the viewer's read position.
     */
    async page(viewer: Viewer | null, topicId: number, from: { after?: number; before?: number }): Promise<TopicPage> {
      const t = await topic(topicId);
      let rows: ReplyRow[];
      let showOpening: boolean;
      let prev: number | undefined;
      let next: number | undefined;
      if (from.before !== undefined) {
        const got = await listReplies(db, t.id, REPLIES_PAGE + 1, { before: from.before });
        showOpening = got.length <= REPLIES_PAGE;
        rows = showOpening ? got : got.slice(1);
        prev = !showOpening && rows.length ? rows[0]!.id : undefined;
        const last = rows[rows.length - 1];
        next = last && t.last_reply_id !== null && t.last_reply_id > last.id ? last.id : undefined;
      } else {
        const got = await listReplies(db, t.id, REPLIES_PAGE + 1, from.after !== undefined ? { after: from.after } : {});
        rows = got.slice(0, REPLIES_PAGE);
        showOpening = from.after === undefined;
        prev = from.after !== undefined ? (rows[0]?.id ?? from.after + 1) : undefined;
        next = got.length > REPLIES_PAGE ? rows[rows.length - 1]!.id : undefined;
      }
      const vid = viewerId(viewer);
      const facts = vid === null ? NO_TOPIC_FACTS : await findTopicViewerFacts(db, vid, t.id, rows.map((r) => r.id), [t.author_id, ...rows.map((r) => r.author_id)]);
      if (isHiddenFor(viewer, t, { blocked: facts.hiddenMembers.has(t.author_id) })) throw new NotFoundError('topic');
      const readUpTo = facts.lastRead ?? 0;
      let firstUnreadId: number | undefined;
      if (vid !== null && facts.lastRead !== null && t.last_reply_id !== null && t.last_reply_id > facts.lastRead) {
        firstUnreadId = rows.find((r) => r.id > readUpTo)?.id ?? (await firstReplyAfter(db, t.id, facts.lastRead));
      }
      const replyAllowed = canReplyToTopic(viewer, t);
      // Hidden replies show to their author only (with the reason); nothing from across a block or a mute.
      const replies = rows
        .filter((row) => !isHiddenFor(viewer, row, { blocked: facts.hiddenMembers.has(row.author_id) }))
        .map((row) => ({
          row,
          liked: facts.liked.has(row.id),
          unread: vid !== null && row.id > readUpTo && row.author_id !== vid,
          can: {
            edit: canEditTopicReply(viewer, row),
            delete: canDeleteTopicReply(viewer, row),
            like: canLikeTopicReply(viewer),
            quote: replyAllowed && !row.hidden_at,
            report: canReport(viewer, { authorId: row.author_id }),
          },
        }));
      if (vid !== null) {
        const shown = rows.length ? rows[rows.length - 1]!.id : 0;
        if (facts.lastRead === null || shown > facts.lastRead) await markRead(db, vid, t.id, shown, now());
      }
      return {
        topic: t,
        showOpening,
        replies,
        prev,
        next,
        firstUnreadId,
        following: facts.following,
        can: { reply: replyAllowed, moderate: canModerateTopic(viewer), follow: canFollowTopics(viewer), edit: canEditTopic(viewer, t), report: canReport(viewer, { authorId: t.author_id }) },
      };
    },

    /** Where a reply's permalink leads: the page that shows it (the first one, or one starting with it). */
    async replyLocation(topicId: number, replyId: number): Promise<{ after?: number }> {
      const r = await reply(replyId);
      if (r.topic_id !== topicId) throw new NotFoundError('reply');
      const before = await countRepliesBefore(db, topicId, replyId, REPLIES_PAGE);
      return before < REPLIES_PAGE ? {} : { after: replyId - 1 };
    },

    /** The viewer's first unread reply of a topic (undefined: nothing unread). */
    async firstUnread(viewer: Viewer | null, topicId: number): Promise<number | undefined> {
      const t = await topic(topicId);
      const vid = viewerId(viewer);
      if (vid === null) return undefined;
      return firstReplyAfter(db, t.id, (await findReadPosition(db, vid, t.id)) ?? 0);
    },

    /** The reply to quote, if it belongs to this topic. */
    async quotable(viewer: Viewer | null, topicId: number, replyId: number): Promise<ReplyRow | undefined> {
      const r = await findReply(db, replyId);
      if (!r || r.topic_id !== topicId || r.hidden_at) return undefined;
      return (await hiddenMembersFor(viewer, topicId, [r.author_id])).has(r.author_id) ? undefined : r;
    },

    /** For reports (server/services/moderation/targets.ts): the topic or reply if this viewer may see it. */
    visibleTopic: seenTopic,
    visibleReply: seenReply,

    async reply(viewer: Viewer | null, topicId: number, input: { body?: string }): Promise<{ id: number }> {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      const t = await seenTopic(viewer, topicId);
      if (!canReplyToTopic(viewer, t)) throw new ValidationError({ form: { key: 'topics.errors.locked', params: { reason: t.lock_reason ?? '' } } });
      // New-member rules and watched words may refuse, rewrite or flag it (forum writing is never held).
      const screen = await screenWriting(db, viewer.id, checkBody(input.body), 'comment', now());
      const body = screen.body;
      const rendered = await renderText(db, body, 'body');
      deps.posting.take(viewer.id);
      return db.transaction().execute(async (trx) => {
        const r = await insertReply(trx, { topicId: t.id, authorId: viewer.id, body, bodyHtml: rendered.html });
        await flagWriting(trx, { kind: 'topic_reply', id: r.id, authorId: viewer.id, authorHandle: viewer.handle, body, url: `/t/${t.id}/r/${r.id}` }, screen.flags);
        await bumpTopic(trx, t.id, r);
        // Whoever had read everything has read their own reply too; otherwise what they missed stays unread.
        const read = await findReadPosition(trx, viewer.id, t.id);
        if (read !== null && read >= (t.last_reply_id ?? 0)) await markRead(trx, viewer.id, t.id, r.id, now());
        await addTopicTags(trx, t.id, rendered.tags, t.created_at);
        await notify(trx, t, r.id, viewer.id, rendered.mentionIds);
        await live(trx, t.id, 'reply', r.id);
        return { id: r.id };
      });
    },

    /** A topic whose opening post the viewer may edit (the edit form). */
    async editableTopic(viewer: Viewer | null, topicId: number): Promise<TopicRow> {
      const t = await topic(topicId);
      if (!canEditTopic(viewer, t)) throw new NotFoundError('topic');
      return t;
    },

    async editTopic(viewer: Viewer | null, topicId: number, input: { body?: string }): Promise<void> {
      const t = await topic(topicId);
      if (!canEditTopic(viewer, t)) throw new NotFoundError('topic');
      await saveEdit(viewer, t, t.body, input.body, null, (trx, body, html) => updateTopicBody(trx, t.id, body, html, now()));
    },

    /** A reply its author may edit (the edit form). */
    async editable(viewer: Viewer | null, replyId: number): Promise<ReplyRow> {
      const r = await reply(replyId);
      if (!canEditTopicReply(viewer, r)) throw new NotFoundError('reply');
      return r;
    },

    async editReply(viewer: Viewer | null, replyId: number, input: { body?: string }): Promise<ReplyRow> {
      const r = await reply(replyId);
      if (!canEditTopicReply(viewer, r)) throw new NotFoundError('reply');
      await saveEdit(viewer, await topic(r.topic_id), r.body, input.body, r.id, (trx, body, html) => updateReply(trx, r.id, body, html, now()));
      return r;
    },

    async removeReply(viewer: Viewer | null, replyId: number, meta: RequestMeta): Promise<ReplyRow> {
      const r = await reply(replyId);
      if (!canDeleteTopicReply(viewer, r)) throw new NotFoundError('reply');
      await db.transaction().execute(async (trx) => {
        if (!(await deleteReply(trx, r.id))) return;
        await refreshTopicAfterRemoval(trx, r.topic_id);
        await live(trx, r.topic_id, 'reply_deleted', r.id);
        if (r.author_id !== viewer.id) {
          await audit(trx, 'moderation.topic_reply_removed', meta, { actorId: viewer.id, targetUserId: r.author_id, details: { topicId: r.topic_id, replyId: r.id } });
        }
      });
      // Its notifications went with it (the unread counts of those notified).
      cache.invalidate([cacheTags.forumHidden]);
      return r;
    },

    async setLike(viewer: Viewer | null, replyId: number, like: boolean): Promise<ReplyRow> {
      if (!canLikeTopicReply(viewer)) throw new UnauthenticatedError();
      const r = await seenReply(viewer, replyId);
      await db.transaction().execute(async (trx) => {
        const changed = like ? await addReplyLike(trx, r.id, viewer.id) : await removeReplyLike(trx, r.id, viewer.id);
        if (changed) await live(trx, r.topic_id, 'reply', r.id);
      });
      return r;
    },

    // ---- moderation ------------------------------------------------------------------------

    async setPinned(viewer: Viewer | null, topicId: number, pinned: boolean, meta: RequestMeta): Promise<void> {
      await moderate(viewer, topicId, meta, async (t) => (t.pinned === pinned ? null : { set: { pinned }, action: pinned ? 'moderation.topic_pinned' : 'moderation.topic_unpinned' }));
    },

    async lock(viewer: Viewer | null, topicId: number, input: { reason?: string }, meta: RequestMeta): Promise<void> {
      await moderate(viewer, topicId, meta, async () => {
        const reason = clean(input.reason).replace(/\s+/g, ' ');
        assertValid({ reason: checkText(reason, { required: true, max: TOPIC_LIMITS.lockReason }) });
        return { set: { locked_at: now(), lock_reason: reason }, action: 'moderation.topic_locked', details: { reason } };
      });
    },

    async unlock(viewer: Viewer | null, topicId: number, meta: RequestMeta): Promise<void> {
      await moderate(viewer, topicId, meta, async (t) => (t.locked_at === null ? null : { set: { locked_at: null, lock_reason: null }, action: 'moderation.topic_unlocked' }));
    },

    async move(viewer: Viewer | null, topicId: number, input: { categoryId?: string }, meta: RequestMeta): Promise<void> {
      await moderate(viewer, topicId, meta, async (t) => {
        const target = /^\d{1,15}$/.test(input.categoryId ?? '') ? await findCategory(db, Number(input.categoryId)) : undefined;
        if (!target) throw new ValidationError({ categoryId: { key: 'validation.choice' } });
        if (target.id === t.category_id) return null;
        return { set: { category_id: target.id }, action: 'moderation.topic_moved', details: { from: t.category_id, to: target.id } };
      });
    },

    async retitle(viewer: Viewer | null, topicId: number, input: { title?: string }, meta: RequestMeta): Promise<void> {
      await moderate(viewer, topicId, meta, async (t) => {
        const title = checkTitle(input.title);
        return title === t.title ? null : { set: { title }, action: 'moderation.topic_retitled', details: { from: t.title, to: title } };
      });
    },

    /** The topic for the moderation forms (moderators only). */
    async forModeration(viewer: Viewer | null, topicId: number) {
      const t = await topic(topicId);
      if (!canModerateTopic(viewer)) throw new NotFoundError('topic');
      return { topic: t, categories: (await listCategories(db)).filter((c) => c.id !== t.category_id) };
    },

    // ---- follows ---------------------------------------------------------------------------

    async setFollow(viewer: Viewer | null, target: FollowTarget, follow: boolean): Promise<boolean> {
      if (!canFollowTopics(viewer)) throw new UnauthenticatedError();
      if ('topicId' in target) {
        await topic(target.topicId);
        return follow ? insertTargetFollow(db, viewer.id, target) : deleteTargetFollow(db, viewer.id, target);
      }
      await category(target.categoryId);
      // The category's topics enter or leave the home feed with the follow, in its transaction.
      return db.transaction().execute(async (trx) => {
        if (follow) {
          const added = await insertTargetFollow(trx, viewer.id, target);
          if (added) await backfillCategory(trx, viewer.id, target.categoryId);
          return added;
        }
        const removed = await deleteTargetFollow(trx, viewer.id, target);
        if (removed) await withdrawCategory(trx, viewer.id, target.categoryId);
        return removed;
      });
    },

    // ---- the home page ---------------------------------------------------------------------

    /** Topic cards of a feed page by id (one statement), with the viewer's unread markers. */
    async cards(viewer: Viewer | null, ids: readonly number[]): Promise<Map<number, TopicListItem>> {
      const rows = await listTopicsByIds(db, ids, viewerId(viewer));
      return new Map(listItems(viewer, rows).map((i) => [i.row.id, i]));
    },

    /** The latest topics by activity (the visitors' home page, an empty feed's suggestions). */
    async recent(viewer: Viewer | null, limit: number): Promise<Page<TopicListItem>> {
      const page = toPage(await listDiscussions(db, 'latest', viewerId(viewer), limit + 1), limit, (r) => r.last_activity_at);
      return { items: listItems(viewer, page.items), next: page.next };
    },

    /** Categories the member could follow (an empty feed's suggestions). */
    async unfollowedCategories(viewer: Viewer): Promise<ForumCategory[]> {
      return listUnfollowedCategories(db, viewer.id);
    },
  };
}

export type TopicService = ReturnType<typeof createTopicService>;
