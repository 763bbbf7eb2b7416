// Sessions per the Lucia guide: sliding expiry (extended when less than half the lifetime is
// left), last-seen refreshed at most every few minutes so reading pages does not write each time.
import { deleteAllUserSessions, deleteSession, findSessionsWithUsers, findSessionWithUser, insertSession, touchSession } from '../repos/sessions.ts';
import type { Executor } from '../db/executor.ts';
import { notifyBus } from '../repos/live-events.ts';
import type { CachingDeps, RequestMeta, ServiceDeps, Viewer } from './context.ts';
import { cacheTags, type ContentCache } from './content-cache.ts';
import type { SessionWithUser } from '../repos/sessions.ts';
import { generateToken, hashToken } from './tokens.ts';

const LAST_SEEN_EVERY_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

export interface NewSession {
  token: string;
  expiresAt: Date;
}

export interface ValidatedSession {
  viewer: Viewer;
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
  await sessionsChanged(db, userId);
  return ended;
}

/**
 * Something the request hook reads about a member changed (a session ended, their role, status,
 * locale or sanctions): every instance drops its cached copy at commit (server/live/hub.ts) and
 * rechecks their live sockets. Call inside the writer's transaction; the service also
 * invalidates cacheTags.sessions after the commit, so that this instance never waits for the bus.
 */
export async function sessionsChanged(db: Executor, userId: number): Promise<void> {
  await notifyBus(db, { t: 's', u: userId });
}

/**
 * The other half of sessionsChanged, after the commit: this instance drops its cached lookups of
 * the member at once. Local only, since the bus message of sessionsChanged tells every instance.
 */
export function dropCachedSessions(cache: Pick<ContentCache, 'invalidateLocal'> | undefined, userId: number): void {
  cache?.invalidateLocal([cacheTags.sessions(userId)]);
}

// The session and its member as the last lookup found them. The request hook runs on every
// signed-in request, so the lookup is cached (cacheTags.sessions and cacheTags.member of the
// member); expiry and suspension end dates are compared with the clock on each request, and the
// writes that extend the session update the cached copy.
interface CachedSession {
  row: SessionWithUser | undefined;
}

export function createSessionService(deps: CachingDeps) {
  const { db, config, cache } = deps;
  const now = () => deps.now?.() ?? new Date();
  const lifetimeMs = config.sessionDays * DAY_MS;

  const lookup = (id: string) =>
    cache.get<CachedSession>(`session:${id}`, async () => {
      const row = await findSessionWithUser(db, id);
      // An unknown token is not kept: the session may be created in a moment.
      return row ? { value: { row }, tags: [cacheTags.sessions(row.id), cacheTags.member(row.id)] } : { value: { row }, tags: [], keep: false };
    });

  return {
    async validate(token: string | undefined, ip: string): Promise<ValidatedSession | null> {
      // Tokens are 32 base32 characters; anything else cannot be one and costs no query.
      if (!token || !/^[a-z2-7]{32}$/.test(token)) return null;
      const id = hashToken(token);
      const cached = await lookup(id);
      const row = cached.row;
      if (!row) return null;
      const t = now();
      if (row.expires_at.getTime() <= t.getTime()) {
        await deleteSession(db, id);
        // Other instances see the expiry on their own copy.
        cache.invalidateLocal([cacheTags.sessions(row.id)]);
        return null;
      }
      let renewedExpiresAt: Date | undefined;
      if (row.expires_at.getTime() - t.getTime() < lifetimeMs / 2) {
        renewedExpiresAt = new Date(t.getTime() + lifetimeMs);
        await touchSession(db, id, { expiresAt: renewedExpiresAt, lastSeenAt: t, ip });
        cached.row = { ...row, expires_at: renewedExpiresAt, last_seen_at: t, session_ip: ip };
      } else if (t.getTime() - row.last_seen_at.getTime() > LAST_SEEN_EVERY_MS || row.session_ip !== ip) {
        await touchSession(db, id, { lastSeenAt: t, ip });
        cached.row = { ...row, last_seen_at: t, session_ip: ip };
      }
      return { viewer: viewerOf(row, id, t), ...(renewedExpiresAt ? { renewedExpiresAt } : {}) };
    },

    /**
     * The members of these sessions as the database has them now (not the cache); sessions that
     * ended are absent. Live sockets re-read theirs when sessionsChanged tells them something changed.
     */
    async current(sessionIds: readonly string[]): Promise<Map<string, Viewer>> {
      const t = now();
      const rows = sessionIds.length ? await findSessionsWithUsers(db, sessionIds) : [];
      return new Map(rows.filter((r) => r.expires_at.getTime() > t.getTime()).map((r) => [r.session_id, viewerOf(r, r.session_id, t)]));
    },
  };
}

/** The signed-in person as services and policies see them; a running suspension makes them 'suspended'. */
function viewerOf(row: SessionWithUser, sessionId: string, t: Date): Viewer {
  return {
    id: row.id,
    handle: row.handle,
    displayName: row.display_name,
    role: row.role,
    status: row.status === 'active' && row.suspended_until && new Date(row.suspended_until).getTime() > t.getTime() ? 'suspended' : row.status,
    locale: row.locale,
    sessionId,
    ...(row.must_acknowledge ? { mustAcknowledge: true } : {}),
  };
}
