// Housekeeping that keeps growing tables small: expired sessions (normally removed when next
// used, but abandoned ones would stay) and login failure counters nobody has touched for a day.
// Idempotent, so every instance may run it.
import { deleteExpiredSessions } from '../repos/sessions.ts';
import { deleteStaleThrottles } from '../repos/login-throttles.ts';
import type { ServiceDeps } from './context.ts';

export function createMaintenanceService(deps: ServiceDeps) {
  const now = () => deps.now?.() ?? new Date();
  return {
    async purgeExpired(): Promise<{ sessions: number }> {
      const t = now();
      const sessions = await deleteExpiredSessions(deps.db, t);
      await deleteStaleThrottles(deps.db, new Date(t.getTime() - 86_400_000));
      return { sessions };
    },
  };
}
