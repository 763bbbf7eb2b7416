// Sign-up, login and logout. Rules that are not obvious:
// - The first account of an empty instance becomes its admin, whatever the registration mode
//   (someone has to be able to set the instance up); the settings row is locked meanwhile so two
//   first sign-ups cannot both become admin.
// - A wrong login answers exactly the same whether the account exists or not, and costs the
//   same time (a hash is verified either way). Failed logins are counted per typed identifier,
//   existing or not, and after a few failures each attempt waits longer (doubling, capped).
import type { Locale } from '../config.ts';
import { TooManyRequestsError, ValidationError } from '../errors.ts';
import { hasAnyUser, findUserByLogin, handleOrEmailTaken, insertUser } from '../repos/users.ts';
import { getSettings, getSettingsForUpdate } from '../repos/settings.ts';
import { consumeInvitation, findUsableInvitation } from '../repos/invitations.ts';
import { deleteSession } from '../repos/sessions.ts';
import { clearThrottle, findThrottle, recordFailure } from '../repos/login-throttles.ts';
import { listActiveQuestions, saveAnswers } from '../repos/profiles.ts';
import type { User } from '../db/schema.ts';
import { audit } from './audit-service.ts';
import type { CachingDeps, RequestMeta, Viewer } from './context.ts';
import { checkNewPassword, hashPassword, verifyAgainstNothing, verifyPassword } from './passwords.ts';
import { dropCachedSessions, sessionsChanged, startSession, type NewSession } from './session-service.ts';
import { assertValid, checkDisplayName, checkEmail, checkHandle, clean, isUniqueViolation } from './validation.ts';
import { readAnswers } from './profile-service.ts';

export interface SignUpInput {
  handle?: string;
  displayName?: string;
  email?: string;
  password?: string;
  passwordConfirm?: string;
  invitation?: string;
  /** answers to the admin's profile questions */
  [answer: `q_${number}`]: string | undefined;
}

const MAX_LOCK_MS = 15 * 60_000;
const BASE_LOCK_MS = 30_000;
const FORGET_FAILURES_AFTER_MS = 60 * 60_000;

export function createAuthService(deps: CachingDeps) {
  const { db, config, cache } = deps;
  const now = () => deps.now?.() ?? new Date();

  return {
    async signUp(input: SignUpInput, locale: Locale, meta: RequestMeta): Promise<{ user: User; session: NewSession }> {
      const handle = clean(input.handle);
      const displayName = clean(input.displayName);
      const email = clean(input.email);
      const password = input.password ?? '';
      const invitationToken = clean(input.invitation);
      const { checks: answerChecks, answers } = readAnswers(await listActiveQuestions(db), input);

      assertValid({
        handle: checkHandle(handle),
        displayName: checkDisplayName(displayName),
        email: checkEmail(email),
        password: password === '' ? { key: 'validation.required' } : await checkNewPassword(password, [handle, displayName, email, email.split('@')[0] ?? ''], locale),
        passwordConfirm: password !== (input.passwordConfirm ?? '') ? { key: 'validation.passwordMismatch' } : undefined,
        ...answerChecks,
      });
      // Hashing takes tens of milliseconds: do it before taking any lock.
      const passwordHash = await hashPassword(password);

      try {
        return await db.transaction().execute(async (trx) => {
          const settings = await getSettingsForUpdate(trx);
          const first = !(await hasAnyUser(trx));
          const mode = first ? 'open' : settings.registration_mode;
          if (mode === 'closed') throw new ValidationError({ form: { key: 'auth.signup.closed' } });
          let invitedBy: number | null = null;
          if (mode === 'invitation') {
            const invitation = invitationToken ? await findUsableInvitation(trx, invitationToken, now()) : undefined;
            if (!invitation) throw new ValidationError({ form: { key: 'auth.signup.invitationInvalid' } });
            invitedBy = invitation.created_by;
          }
          const taken = await handleOrEmailTaken(trx, handle, email);
          assertValid({
            handle: taken.handle ? { key: 'validation.handleTaken' } : undefined,
            email: taken.email ? { key: 'validation.emailTaken' } : undefined,
          });
          const user = await insertUser(trx, {
            handle,
            email,
            display_name: displayName,
            password_hash: passwordHash,
            role: first ? 'admin' : 'member',
            status: mode === 'approval' ? 'pending' : 'active',
            locale,
            invited_by: invitedBy,
          });
          if (mode === 'invitation' && !(await consumeInvitation(trx, invitationToken, user.id, now()))) {
            throw new ValidationError({ form: { key: 'auth.signup.invitationInvalid' } });
          }
          await saveAnswers(trx, user.id, answers);
          const session = await startSession(trx, deps, user.id, meta);
          await audit(trx, 'auth.signup', meta, {
            actorId: user.id,
            targetUserId: user.id,
            details: { role: user.role, status: user.status, mode, ...(invitedBy ? { invitedBy } : {}) },
          });
          return { user, session };
        });
      } catch (err) {
        // Two sign-ups racing for the same handle or email: the index decides, the form explains.
        if (isUniqueViolation(err, 'users_handle_lower_key')) throw new ValidationError({ handle: { key: 'validation.handleTaken' } });
        if (isUniqueViolation(err, 'users_email_lower_key')) throw new ValidationError({ email: { key: 'validation.emailTaken' } });
        throw err;
      }
    },

    async logIn(input: { login?: string; password?: string }, meta: RequestMeta): Promise<{ user: User; session: NewSession }> {
      const login = clean(input.login);
      const password = input.password ?? '';
      assertValid({
        login: login === '' ? { key: 'validation.required' } : login.length > 320 ? { key: 'validation.tooLong', params: { max: 320 } } : undefined,
        password: password === '' ? { key: 'validation.required' } : undefined,
      });
      const key = `login:${login.toLowerCase()}`;
      const t = now();
      const throttle = await findThrottle(db, key);
      if (throttle?.locked_until && throttle.locked_until > t) {
        await audit(db, 'auth.login_throttled', meta, {});
        throw new TooManyRequestsError((throttle.locked_until.getTime() - t.getTime()) / 1000, 'auth.login.throttled');
      }

      const user = await findUserByLogin(db, login);
      const ok =
        Buffer.byteLength(password, 'utf8') <= 1024 && (user ? await verifyPassword(user.password_hash, password) : await verifyAgainstNothing(password));
      if (!user || !ok) {
        const n = config.loginFailuresBeforeDelay;
        await recordFailure(db, key, t, new Date(t.getTime() - FORGET_FAILURES_AFTER_MS), (failures) =>
          failures < n ? 0 : Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** (failures - n)),
        );
        await audit(db, 'auth.login_failed', meta, { targetUserId: user?.id ?? null });
        throw new ValidationError({ form: { key: 'auth.login.invalid' } });
      }

      const session = await db.transaction().execute(async (trx) => {
        await clearThrottle(trx, key);
        const s = await startSession(trx, deps, user.id, meta);
        await audit(trx, 'auth.login', meta, { actorId: user.id, targetUserId: user.id });
        return s;
      });
      return { user, session };
    },

    async logOut(viewer: Viewer, meta: RequestMeta): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await deleteSession(trx, viewer.sessionId);
        // Live sockets of this session close at commit, on every instance.
        await sessionsChanged(trx, viewer.id);
        await audit(trx, 'auth.logout', meta, { actorId: viewer.id, targetUserId: viewer.id });
      });
      dropCachedSessions(cache, viewer.id);
    },

    /** What the sign-up page should offer, given the mode and an invitation link, if any. */
    async signUpState(invitationToken: string | undefined): Promise<{ mode: string; first: boolean; invitationValid: boolean }> {
      const settings = await getSettings(db);
      const first = !(await hasAnyUser(db));
      const token = clean(invitationToken);
      const invitationValid = !!token && token.length <= 64 && !!(await findUsableInvitation(db, token, now()));
      return { mode: first ? 'open' : settings.registration_mode, first, invitationValid };
    },
  };
}
