import { decodeCursor, toPage } from '../db/pagination.ts';
import { countUnread, listNotifications, markAllRead } from '../repos/notifications.ts';
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
      await markAllRead(db, viewer.id, now());
    },
  };
}
