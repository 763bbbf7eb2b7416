// Categories, topics and replies as templates receive them. body_html (opening posts and
// replies) was rendered from the Markdown subset at write time: it is output unescaped.
import type { Translate } from '../i18n/index.ts';
import type { ForumCategory } from '../db/schema.ts';
import type { Page } from '../db/pagination.ts';
import type { ReplyRow } from '../repos/topics.ts';
import type { ReplyItem, TopicListItem, TopicPage } from '../services/topic-service.ts';
import { personOf } from './posts.ts';

export const topicUrl = (id: number) => `/t/${id}`;
export const replyAnchor = (id: number) => `r-${id}`;

export function presentCategory(c: ForumCategory) {
  return { id: c.id, name: c.name, description: c.description, colour: c.colour, position: c.position, restricted: c.restricted, url: `/c/${c.id}` };
}

export function presentTopicItem(item: TopicListItem) {
  const r = item.row;
  return {
    id: r.id,
    url: topicUrl(r.id),
    title: r.title,
    author: personOf(r.author_handle, r.author_name, r.author_avatar_key),
    category: { id: r.category_id, name: r.category_name, colour: r.category_colour, url: `/c/${r.category_id}` },
    replyCount: r.reply_count,
    pinned: r.pinned,
    locked: r.locked_at !== null,
    lastPoster: r.last_poster_handle ? { handle: r.last_poster_handle, name: r.last_poster_name, url: `/@${r.last_poster_handle}` } : null,
    lastActivityAt: r.last_activity_at,
    isNew: item.isNew,
    hasUnread: item.hasUnread,
    unreadUrl: `/t/${r.id}/unread`,
  };
}

export function presentTopicList(page: Page<TopicListItem>) {
  return { items: page.items.map(presentTopicItem), next: page.next };
}

export function presentReply(item: ReplyItem, topicId: number) {
  const r = item.row;
  return {
    id: r.id,
    anchor: replyAnchor(r.id),
    permalink: `/t/${topicId}/r/${r.id}`,
    author: personOf(r.author_handle, r.author_name, r.author_avatar_key),
    bodyHtml: r.body_html,
    createdAt: r.created_at,
    editedAt: r.edited_at,
    likeCount: r.like_count,
    liked: item.liked,
    unread: item.unread,
    can: item.can,
    quoteUrl: `/t/${topicId}?quote=${r.id}#reply-form`,
    // Only the author ever gets a hidden reply (isHiddenFor): they are told why.
    hiddenReason: r.hidden_at ? r.hidden_reason || '' : null,
    hiddenAuto: r.hidden_reason === 'auto',
  };
}

/** What views/partials/topics/header.hbs shows: on the page, and pushed live when a moderator changes it. */
export function presentTopicHeader(t: Pick<TopicPage['topic'], 'id' | 'title' | 'pinned' | 'locked_at' | 'lock_reason' | 'category_id' | 'category_name' | 'category_colour'>) {
  return {
    url: topicUrl(t.id),
    title: t.title,
    pinned: t.pinned,
    locked: t.locked_at !== null,
    lockReason: t.lock_reason,
    category: { id: t.category_id, name: t.category_name, colour: t.category_colour, url: `/c/${t.category_id}` },
  };
}

export function presentTopicPage(page: TopicPage) {
  const t = page.topic;
  const url = topicUrl(t.id);
  return {
    ...presentTopicHeader(t),
    id: t.id,
    author: personOf(t.author_handle, t.author_name, t.author_avatar_key),
    bodyHtml: t.body_html,
    createdAt: t.created_at,
    editedAt: t.edited_at,
    replyCount: t.reply_count,
    showOpening: page.showOpening,
    replies: page.replies.map((r) => presentReply(r, t.id)),
    prevUrl: page.prev !== undefined ? `${url}?before=${page.prev}#replies` : undefined,
    nextUrl: page.next !== undefined ? `${url}?after=${page.next}#replies` : undefined,
    firstUnreadUrl: page.firstUnreadId !== undefined ? `${url}/r/${page.firstUnreadId}` : undefined,
    following: page.following,
    can: page.can,
    hiddenReason: t.hidden_at ? t.hidden_reason || '' : null,
    hiddenAuto: t.hidden_reason === 'auto',
  };
}

/**
 * The text a "Quote" action puts in the reply form: a link to the quoted reply, then its Markdown
 * as a blockquote. The link is absolute because the Markdown subset only takes http(s) links.
 */
export function quoteText(reply: ReplyRow, topicId: number, origin: string, t: Translate): string {
  const quoted = reply.body
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');
  const label = t('topics.quote.wrote', { name: reply.author_name }).replace(/[[\]\\*_`]/g, '\\$&');
  return `[${label}](${origin}/t/${topicId}/r/${reply.id})\n${quoted}\n\n`;
}

const EXCERPT = 200;

/** The opening post's Markdown as a short plain excerpt (escaped by the template). */
export function excerptOf(body: string): string {
  const text = body
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`>#]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1).trimEnd()}…` : text;
}

/** A topic as a card of the home feed: the list row plus its opening and an excerpt. */
export function presentTopicCard(item: TopicListItem) {
  return { ...presentTopicItem(item), createdAt: item.row.created_at, excerpt: excerptOf(item.row.body) };
}
