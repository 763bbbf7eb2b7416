// Posts and comments as templates receive them. body_html was rendered from the Markdown subset
// at write time (raw HTML escaped, links checked): it is the one piece of user content the
// templates output unescaped, as {{{bodyHtml}}}.
import type { Translate } from '../i18n/index.ts';
import type { Page } from '../db/pagination.ts';
import type { PostItem } from '../services/post-service.ts';
import type { CommentItem } from '../services/comment-service.ts';
import { avatarUrls, mediaUrl, PHOTO_SIZES } from '../services/media-service.ts';

export function personOf(handle: string, displayName: string, avatarKey: string | null) {
  return { handle, name: displayName, url: `/@${handle}`, avatar: avatarUrls({ handle, displayName, avatarKey }) };
}

const bit = (b: boolean) => (b ? '1' : '0');

const postVariant = (item: PostItem) => {
  const r = item.row;
  const c = item.can;
  return [item.liked, c.edit, c.delete, c.interact, c.share, c.revisions, c.report, !!item.shared, item.sharedUnavailable, !!r.hidden_at, !!r.held_at].map(bit).join('');
};

export function presentPost(item: PostItem, t: Translate): Record<string, unknown> {
  const r = item.row;
  return {
    // The card is rendered once per row and per combination of what differs between viewers.
    cache: { owner: r, variant: postVariant(item) },
    id: r.id,
    url: `/posts/${r.id}`,
    anchor: `post-${r.id}`,
    author: personOf(r.author_handle, r.author_name, r.author_avatar_key),
    wall: r.wall_owner_id !== r.author_id ? { handle: r.wall_handle, name: r.wall_name, url: `/@${r.wall_handle}` } : null,
    bodyHtml: r.body_html,
    hasBody: r.body.length > 0,
    createdAt: r.created_at,
    editedAt: r.edited_at,
    visibility: r.visibility,
    visibilityLabel: t(`posts.visibility.${r.visibility}.label`),
    likeCount: r.like_count,
    commentCount: r.comment_count,
    shareCount: r.share_count,
    liked: item.liked,
    can: item.can,
    photos: item.photos.map((p) => ({
      src: mediaUrl(p.key, PHOTO_SIZES[0]!),
      full: mediaUrl(p.key, PHOTO_SIZES[PHOTO_SIZES.length - 1]!),
      alt: p.alt,
      width: p.width,
      height: p.height,
    })),
    isShare: r.is_share,
    shared: item.shared ? presentPost(item.shared, t) : null,
    sharedUnavailable: item.sharedUnavailable,
    // Only the author ever gets a hidden or held post (isHiddenFor): they are told why.
    moderation: moderationNotice(r, t),
  };
}

/**
 * A page of posts. With `owner` (the cached list they come from), the list is one fragment whose
 * variant names each post with this viewer's flags; the posts are presented only when it is
 * rendered, not when it is served again.
 */
export function presentPosts(page: Page<PostItem> & { owner?: object }, t: Translate) {
  let presented: Record<string, unknown>[] | undefined;
  return {
    cache: page.owner ? { owner: page.owner, variant: page.items.map((i) => `${i.row.id}:${postVariant(i)}`).join(',') } : null,
    count: page.items.length,
    get items() {
      return (presented ??= page.items.map((i) => presentPost(i, t)));
    },
    next: page.next,
  };
}

const commentVariant = (item: CommentItem) => {
  const c = item.can;
  return [item.liked, c.edit, c.delete, c.reply, c.like, c.report, !!item.row.hidden_at].map(bit).join('');
};

export function presentComment(item: CommentItem): Record<string, unknown> {
  const r = item.row;
  return {
    cache: { owner: r, variant: commentVariant(item) },
    id: r.id,
    anchor: `comment-${r.id}`,
    postId: r.post_id,
    parentId: r.parent_id,
    author: personOf(r.author_handle, r.author_name, r.author_avatar_key),
    bodyHtml: r.body_html,
    createdAt: r.created_at,
    editedAt: r.edited_at,
    likeCount: r.like_count,
    liked: item.liked,
    can: item.can,
    replies: item.replies.map(presentComment),
    hiddenReason: r.hidden_at ? r.hidden_reason || '' : null,
    hiddenAuto: r.hidden_reason === 'auto',
  };
}

/**
 * A page of comments as one fragment: its owner is the cached page they come from, and its
 * variant names every comment shown with what this viewer may do with it. Viewers with nothing
 * particular to this page (not an author here, no like) share one rendering of the whole list.
 */
export function presentCommentList(items: readonly CommentItem[], owner: object) {
  const variantOf = (i: CommentItem): string => `${i.row.id}:${commentVariant(i)}${i.replies.length ? `(${i.replies.map(variantOf).join(',')})` : ''}`;
  let presented: Record<string, unknown>[] | undefined;
  return {
    cache: { owner, variant: items.map(variantOf).join(',') },
    count: items.length,
    // Presented only when the fragment is rendered, not when it is served again.
    get items() {
      return (presented ??= items.map(presentComment));
    },
  };
}

export const VISIBILITY_CHOICES = ['public', 'members', 'followers', 'mentioned'] as const;

export function visibilityOptions(t: Translate, selected: string) {
  return VISIBILITY_CHOICES.map((v) => ({
    value: v,
    label: t(`posts.visibility.${v}.label`),
    hint: t(`posts.visibility.${v}.hint`),
    selected: v === selected,
  }));
}

/** What views/partials/posts/wall.hbs needs: the posts, whether to show the composer, and where it posts. */
export function presentWall(
  page: Page<PostItem> & { owner?: object },
  opts: { ownerHandle: string; canWrite: boolean; t: Translate; form?: { values: Record<string, string>; errors: Record<string, string>; formError?: string | undefined } },
) {
  const values = opts.form?.values ?? {};
  // Object.assign, not a spread: the list's items are presented only if they are rendered.
  return Object.assign(presentPosts(page, opts.t), {
    ownerHandle: opts.ownerHandle,
    canWrite: opts.canWrite,
    composer: {
      action: `/@${opts.ownerHandle}/posts`,
      values,
      errors: opts.form?.errors ?? {},
      formError: opts.form?.formError,
      visibilities: visibilityOptions(opts.t, values.visibility ?? 'members'),
      photoSlots: [1, 2, 3, 4].map((n) => ({ n, alt: values[`alt${n}`] ?? '', error: opts.form?.errors[`photo${n}`], altError: opts.form?.errors[`alt${n}`] })),
    },
  });
}

/** What the author of hidden or held content is told about it. */
export function moderationNotice(r: { hidden_at: Date | null; hidden_reason: string | null; held_at?: Date | null }, t: Translate) {
  if (r.hidden_at) return { text: r.hidden_reason === 'auto' ? t('moderation.hidden.auto') : t('moderation.hidden.byModerator', { reason: r.hidden_reason ?? '' }) };
  if (r.held_at) return { text: t('moderation.hidden.held') };
  return null;
}
