// Role changes from the shell (npm run admin). There is no web form for them yet; the CLI is the
// instance admin's tool, so it needs no policy check, but it is audited like any other change.
import { ROLES, type Role } from '../db/schema.ts';
import { findUserByHandle, updateRole } from '../repos/users.ts';
import { audit } from './audit-service.ts';
import type { ServiceDeps } from './context.ts';
import type { ContentCache } from './content-cache.ts';
import { dropCachedSessions, sessionsChanged } from './session-service.ts';

export class RoleChangeError extends Error {}

/** `cache`: the server's; the CLI has none, and running servers hear of the change over the live bus. */
export function createRoleService({ db, cache }: ServiceDeps & { cache?: ContentCache }) {
  return {
    async setRole(handle: string, role: string): Promise<{ handle: string; from: Role; to: Role }> {
      if (!(ROLES as readonly string[]).includes(role)) throw new RoleChangeError(`Unknown role "${role}": use one of ${ROLES.join(', ')}.`);
      const changed = await db.transaction().execute(async (trx) => {
        const user = await findUserByHandle(trx, handle.replace(/^@/, ''));
        if (!user) throw new RoleChangeError(`No account with the handle "${handle}".`);
        if (user.role !== role) {
          await updateRole(trx, user.id, role as Role);
          await sessionsChanged(trx, user.id);
          await audit(trx, 'admin.role_changed', { requestId: 'cli' }, { targetUserId: user.id, details: { from: user.role, to: role, via: 'cli' } });
        }
        return { id: user.id, handle: user.handle, from: user.role, to: role as Role };
      });
      dropCachedSessions(cache, changed.id);
      return { handle: changed.handle, from: changed.from, to: changed.to };
    },
  };
}
