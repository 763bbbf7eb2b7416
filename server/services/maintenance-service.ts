// Housekeeping that keeps growing tables small: expired sessions (normally removed when next
// used, but abandoned ones would stay), login failure counters nobody has touched for a day, and
// live events older than a day (pages catch up on the last two minutes). Idempotent, so every
// instance may run it.
import { deleteExpiredSessions } from '../repos/sessions.ts';
import { deleteStaleThrottles } from '../repos/login-throttles.ts';
import { pruneLiveEvents } from '../repos/live-events.ts';
import type { ServiceDeps } from './context.ts';

const DAY_MS = 86_400_000;

export function createMaintenanceService(deps: ServiceDeps) {
  const now = () => deps.now?.() ?? new Date();
  return {
    async purgeExpired(): Promise<{ sessions: number }> {
      const t = now();
      const sessions = await deleteExpiredSessions(deps.db, t);
      await deleteStaleThrottles(deps.db, new Date(t.getTime() - DAY_MS));
      await pruneLiveEvents(deps.db, new Date(t.getTime() - DAY_MS));
      return { sessions };
    },
  };
}
