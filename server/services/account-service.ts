// The signed-in person's own account: password, sessions, language.
import type { Locale } from '../config.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { findUserById, updateLocale, updatePasswordHash } from '../repos/users.ts';
import { deleteUserSession, listUserSessions } from '../repos/sessions.ts';
import type { Session } from '../db/schema.ts';
import { audit } from './audit-service.ts';
import type { CachingDeps, RequestMeta, Viewer } from './context.ts';
import { checkNewPassword, hashPassword, verifyPassword } from './passwords.ts';
import { dropCachedSessions, revokeAllSessions, sessionsChanged, startSession, type NewSession } from './session-service.ts';
import { assertValid } from './validation.ts';

export interface PasswordChangeInput {
  currentPassword?: string;
  newPassword?: string;
  newPasswordConfirm?: string;
}

export function createAccountService(deps: CachingDeps) {
  const { db, cache } = deps;

  return {
    /** Changes the password, ends every session (this one included) and opens a fresh one here. */
    async changePassword(viewer: Viewer, input: PasswordChangeInput, locale: Locale, meta: RequestMeta): Promise<NewSession> {
      const user = await findUserById(db, viewer.id);
      if (!user) throw new NotFoundError('user');
      const current = input.currentPassword ?? '';
      const next = input.newPassword ?? '';
      assertValid({
        currentPassword: current === '' ? { key: 'validation.required' } : undefined,
        newPassword: next === '' ? { key: 'validation.required' } : await checkNewPassword(next, [user.handle, user.display_name, user.email], locale),
        newPasswordConfirm: next !== (input.newPasswordConfirm ?? '') ? { key: 'validation.passwordMismatch' } : undefined,
      });
      if (Buffer.byteLength(current, 'utf8') > 1024 || !(await verifyPassword(user.password_hash, current))) {
        throw new ValidationError({ currentPassword: { key: 'account.password.currentWrong' } });
      }
      if (await verifyPassword(user.password_hash, next)) {
        throw new ValidationError({ newPassword: { key: 'account.password.same' } });
      }
      const passwordHash = await hashPassword(next);
      const session = await db.transaction().execute(async (trx) => {
        await updatePasswordHash(trx, user.id, passwordHash);
        const ended = await revokeAllSessions(trx, user.id);
        const session = await startSession(trx, deps, user.id, meta);
        await audit(trx, 'account.password_changed', meta, { actorId: user.id, targetUserId: user.id, details: { sessionsEnded: ended } });
        return session;
      });
      dropCachedSessions(cache, user.id);
      return session;
    },

    async listSessions(viewer: Viewer): Promise<Session[]> {
      return listUserSessions(db, viewer.id);
    },

    /** Only the viewer's own sessions: any other id is "not found". */
    async revokeSession(viewer: Viewer, sessionId: string, meta: RequestMeta): Promise<{ wasCurrent: boolean }> {
      if (!/^[0-9a-f]{64}$/.test(sessionId)) throw new NotFoundError('session');
      const revoked = await db.transaction().execute(async (trx) => {
        if (!(await deleteUserSession(trx, viewer.id, sessionId))) throw new NotFoundError('session');
        await sessionsChanged(trx, viewer.id);
        await audit(trx, 'account.session_revoked', meta, {
          actorId: viewer.id,
          targetUserId: viewer.id,
          details: { current: sessionId === viewer.sessionId },
        });
        return { wasCurrent: sessionId === viewer.sessionId };
      });
      dropCachedSessions(cache, viewer.id);
      return revoked;
    },

    async setLocale(viewer: Viewer, locale: Locale): Promise<void> {
      if (viewer.locale === locale) return;
      await db.transaction().execute(async (trx) => {
        await updateLocale(trx, viewer.id, locale);
        await sessionsChanged(trx, viewer.id);
      });
      dropCachedSessions(cache, viewer.id);
    },
  };
}
