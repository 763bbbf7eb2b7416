// Notifications about posts and comments, created inside the writer's transaction. A member is
// notified only about what they may see (the same policy as the page), never about their own
// action, and at most once per action (a mention wins over "comment on your post").
import type { Executor } from '../db/executor.ts';
import type { NotificationKind, Visibility } from '../db/schema.ts';
import { insertNotifications, type NewNotification } from '../repos/notifications.ts';
import { isFollowing } from '../repos/follows.ts';
import { isMentioned } from '../repos/posts.ts';
import { membersCutFrom } from '../repos/blocks.ts';
import { canViewPost } from '../policies/index.ts';
import { NOTIFICATION_KINDS } from './notification-kinds.ts';

export async function notifyAboutPost(
  executor: Executor,
  post: { id: number; author_id: number; wall_owner_id: number; visibility: Visibility; hidden_at: Date | null; held_at?: Date | null },
  recipients: { userId: number; kind: NotificationKind }[],
  actorId: number,
  commentId?: number,
): Promise<void> {
  const rows: NewNotification[] = [];
  // Nobody is notified across a block, nor by a member they muted.
  const seen = new Set<number>([actorId, ...(await membersCutFrom(executor, actorId, recipients.map((r) => r.userId)))]);
  for (const { userId, kind } of recipients) {
    if (seen.has(userId)) continue;
    seen.add(userId);
    const rel = { followsAuthor: await isFollowing(executor, userId, post.author_id), mentioned: await isMentioned(executor, post.id, userId) };
    if (!canViewPost({ id: userId, role: 'member', status: 'active' }, post, rel)) continue;
    const grouped = NOTIFICATION_KINDS.find((k) => k.kind === kind)?.grouped ?? false;
    rows.push({ userId, kind, actorId, postId: post.id, commentId: commentId ?? null, grouped });
  }
  await insertNotifications(executor, rows);
}
