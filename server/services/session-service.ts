// Sessions per the Lucia guide: sliding expiry (extended when less than half the lifetime is
// left), last-seen refreshed at most every few minutes so reading pages does not write each time.
import { deleteAllUserSessions, deleteSession, findSessionWithUser, insertSession, touchSession } from '../repos/sessions.ts';
import type { Executor } from '../db/executor.ts';
import { notifyBus } from '../repos/live-events.ts';
import type { RequestMeta, ServiceDeps, Viewer } from './context.ts';
import { generateToken, hashToken } from './tokens.ts';

const LAST_SEEN_EVERY_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

export interface NewSession {
  token: string;
  expiresAt: Date;
}

export interface ValidatedSession {
  viewer: Viewer;
  /** unread notifications (header badge), when asked for */
  unreadCount: number | undefined;
  /** set when the expiry moved: the cookie must be sent again */
  renewedExpiresAt?: Date;
}

/** Creates a session inside the caller's transaction; the token goes to the cookie only. */
export async function startSession(db: Executor, deps: ServiceDeps, userId: number, meta: RequestMeta): Promise<NewSession> {
  const token = generateToken();
  const now = deps.now?.() ?? new Date();
  const expiresAt = new Date(now.getTime() + deps.config.sessionDays * DAY_MS);
  await insertSession(db, { id: hashToken(token), userId, expiresAt, userAgent: meta.userAgent.slice(0, 512), ip: meta.ip });
  return { token, expiresAt };
}

/**
 * Ends every session of a member at once (suspension, password change). The one place sessions
 * are revoked in bulk; every instance is told at commit, and closes the live sockets of these
 * sessions (server/live/hub.ts).
 */
export async function revokeAllSessions(db: Executor, userId: number): Promise<number> {
  const ended = await deleteAllUserSessions(db, userId);
  await notifyBus(db, { t: 's', u: userId });
  return ended;
}

export function createSessionService(deps: ServiceDeps) {
  const { db, config } = deps;
  const now = () => deps.now?.() ?? new Date();
  const lifetimeMs = config.sessionDays * DAY_MS;

  return {
    async validate(token: string | undefined, ip: string, opts: { withUnread?: boolean } = {}): Promise<ValidatedSession | null> {
      // Tokens are 32 base32 characters; anything else cannot be one and costs no query.
      if (!token || !/^[a-z2-7]{32}$/.test(token)) return null;
      const id = hashToken(token);
      const row = await findSessionWithUser(db, id, opts);
      if (!row) return null;
      const t = now();
      if (row.expires_at.getTime() <= t.getTime()) {
        await deleteSession(db, id);
        return null;
      }
      let renewedExpiresAt: Date | undefined;
      if (row.expires_at.getTime() - t.getTime() < lifetimeMs / 2) {
        renewedExpiresAt = new Date(t.getTime() + lifetimeMs);
        await touchSession(db, id, { expiresAt: renewedExpiresAt, lastSeenAt: t, ip });
      } else if (t.getTime() - row.last_seen_at.getTime() > LAST_SEEN_EVERY_MS || row.session_ip !== ip) {
        await touchSession(db, id, { lastSeenAt: t, ip });
      }
      return {
        viewer: {
          id: row.id,
          handle: row.handle,
          displayName: row.display_name,
          role: row.role,
          status: row.status === 'active' && row.suspended_until && new Date(row.suspended_until).getTime() > t.getTime() ? 'suspended' : row.status,
          locale: row.locale,
          sessionId: id,
          ...(row.must_acknowledge ? { mustAcknowledge: true } : {}),
        },
        unreadCount: row.unread_count === null ? undefined : Number(row.unread_count),
        ...(renewedExpiresAt ? { renewedExpiresAt } : {}),
      };
    },
  };
}
