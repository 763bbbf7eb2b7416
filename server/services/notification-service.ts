import { decodeCursor, toPage } from '../db/pagination.ts';
import { countUnread, unreadSubjects, listMutedKinds, listNotifications, markAllRead, replaceMutedKinds, UNREAD_CAP } from '../repos/notifications.ts';

/** The header badge counts no further: past it, it says "99+". */
export { UNREAD_CAP };
import { NOTIFICATION_KINDS, isNotificationKind } from './notification-kinds.ts';
import { isActive } from '../policies/index.ts';
import { UnauthenticatedError } from '../errors.ts';
import type { CachingDeps, Viewer } from './context.ts';
import { cacheTags } from './content-cache.ts';

const PAGE = 30;
/** a member with unread notifications about more posts than this is counted on each page (not kept) */
const UNREAD_SUBJECTS_KEPT = 200;

export function createNotificationService(deps: CachingDeps) {
  const { db, cache } = deps;
  const now = () => deps.now?.() ?? new Date();
  return {
    async list(viewer: Viewer | null, cursor: string | undefined) {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      return toPage(await listNotifications(db, viewer.id, PAGE + 1, decodeCursor(cursor)), PAGE);
    },
    /**
     * The header badge, on every signed-in page: cached per member. New notifications reach
     * every instance over the live bus, which drops the count (server/live/hub.ts); reading them
     * here drops it at once; blocks and mutes change what counts (cacheTags.relations).
     */
    async unread(viewer: Viewer | null): Promise<number> {
      if (!isActive(viewer)) return 0;
      const id = viewer.id;
      return cache.get(`unread:${id}`, async () => {
        const count = await countUnread(db, id);
        // Only what the count is about can change it: those posts (visibility, hidden comments)
        // and, for forum notifications, hidden topics and replies.
        const about = await unreadSubjects(db, id, UNREAD_SUBJECTS_KEPT);
        if (!about) return { value: count, tags: [], keep: false };
        const tags = [cacheTags.unread(id), cacheTags.relations(id), ...about.posts.map(cacheTags.post)];
        if (about.forum) tags.push(cacheTags.forumHidden);
        return { value: count, tags };
      });
    },
    async markAllRead(viewer: Viewer | null): Promise<void> {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      await db.transaction().execute((trx) => markAllRead(trx, viewer.id, now()));
      cache.invalidate([cacheTags.unread(viewer.id)]);
    },
    /** Each kind with whether the member receives it. */
    async preferences(viewer: Viewer | null): Promise<{ kind: string; enabled: boolean }[]> {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      const muted = new Set(await listMutedKinds(db, viewer.id));
      return NOTIFICATION_KINDS.map((k) => ({ kind: k.kind, enabled: !muted.has(k.kind) }));
    },
    /** Saves the kinds the member keeps; unknown names are ignored. */
    async setPreferences(viewer: Viewer | null, enabled: readonly string[]): Promise<void> {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      const keep = new Set(enabled.filter(isNotificationKind));
      await db.transaction().execute((trx) => replaceMutedKinds(trx, viewer.id, NOTIFICATION_KINDS.map((k) => k.kind).filter((k) => !keep.has(k))));
    },
  };
}
