import { decodeCursor, toPage } from '../db/pagination.ts';
import { countUnread, listMutedKinds, listNotifications, markAllRead, replaceMutedKinds, UNREAD_CAP } from '../repos/notifications.ts';

/** The header badge counts no further: past it, it says "99+". */
export { UNREAD_CAP };
import { NOTIFICATION_KINDS, isNotificationKind } from './notification-kinds.ts';
import { isActive } from '../policies/index.ts';
import { UnauthenticatedError } from '../errors.ts';
import type { ServiceDeps, Viewer } from './context.ts';

const PAGE = 30;

export function createNotificationService(deps: ServiceDeps) {
  const { db } = deps;
  const now = () => deps.now?.() ?? new Date();
  return {
    async list(viewer: Viewer | null, cursor: string | undefined) {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      return toPage(await listNotifications(db, viewer.id, PAGE + 1, decodeCursor(cursor)), PAGE);
    },
    async unread(viewer: Viewer | null): Promise<number> {
      return isActive(viewer) ? countUnread(db, viewer.id) : 0;
    },
    async markAllRead(viewer: Viewer | null): Promise<void> {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      await db.transaction().execute((trx) => markAllRead(trx, viewer.id, now()));
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
