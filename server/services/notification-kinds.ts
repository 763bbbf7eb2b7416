// Every kind of notification, in one place: the settings page lists them (each may be turned
// off, and then is not created), the notifications page words them with
// `notifications.kinds.<kind>` (`…_grouped` when several people did it: likes). Kinds produced
// by features not merged yet (followers, topics) are listed already so that feature only has to
// call insertNotifications with its kind (and add its subject's link in notificationUrl).
import type { NotificationKind } from '../db/schema.ts';

export interface NotificationKindInfo {
  kind: NotificationKind;
  /** one unread notification per item, its actor and count updated */
  grouped: boolean;
}

export const NOTIFICATION_KINDS: readonly NotificationKindInfo[] = [
  { kind: 'mention_post', grouped: false },
  { kind: 'mention_comment', grouped: false },
  { kind: 'comment_on_post', grouped: false },
  { kind: 'reply_to_comment', grouped: false },
  { kind: 'like_post', grouped: true },
  { kind: 'like_comment', grouped: true },
  { kind: 'new_follower', grouped: false },
  { kind: 'follow_request', grouped: false },
  { kind: 'reply_topic', grouped: false },
  { kind: 'mention_topic', grouped: false },
  { kind: 'reply_followed_topic', grouped: false },
  { kind: 'moderation_auto_hidden', grouped: false },
];

export const isNotificationKind = (k: string): k is NotificationKind => NOTIFICATION_KINDS.some((i) => i.kind === k);

/** Where a notification leads. Features adding subjects (a topic) add their case here. */
export function notificationUrl(n: {
  kind: string;
  post_id: number | null;
  comment_id: number | null;
  topic_id?: number | null;
  reply_id?: number | null;
  moderation_case_id?: number | null;
  actor_handle: string | null;
}): string {
  if (n.moderation_case_id) return `/moderation/cases/${n.moderation_case_id}`;
  if (n.kind === 'follow_request') return '/settings/followers';
  if (n.reply_id) return `/t/${n.topic_id}/r/${n.reply_id}`;
  if (n.topic_id) return `/t/${n.topic_id}`;
  if (n.post_id !== null) return n.comment_id !== null ? `/posts/${n.post_id}#comment-${n.comment_id}` : `/posts/${n.post_id}`;
  if (n.actor_handle) return `/@${n.actor_handle}`;
  return '/notifications';
}
