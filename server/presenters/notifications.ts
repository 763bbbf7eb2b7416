// Notifications as the list and its live updates show them (views/partials/notifications/item.hbs).
import type { NotificationRow } from '../repos/notifications.ts';
import { notificationUrl } from '../services/notification-kinds.ts';

export function presentNotification(n: NotificationRow) {
  const others = Number(n.actor_count) - 1;
  return {
    id: n.id,
    anchor: `notification-${n.id}`,
    kind: n.kind,
    // Grouped likes: "Ana and 3 others liked your post".
    textKey: others > 0 ? `notifications.kinds.${n.kind}_grouped` : `notifications.kinds.${n.kind}`,
    others,
    unread: !n.read_at,
    at: n.created_at,
    actor: n.actor_handle ? { handle: n.actor_handle, name: n.actor_name, url: `/@${n.actor_handle}` } : null,
    url: notificationUrl(n),
  };
}
