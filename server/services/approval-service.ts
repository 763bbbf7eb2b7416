// Accounts waiting for a moderator in approval mode. (Full moderation comes later; this list is
// here because sign-up depends on it.)
import { NotFoundError } from '../errors.ts';
import { findUserById, listPendingUsers, reviewPendingUser } from '../repos/users.ts';
import { canReviewPendingAccounts } from '../policies/index.ts';
import { decodeCursor, toPage, type Page } from '../db/pagination.ts';
import type { User } from '../db/schema.ts';
import { audit } from './audit-service.ts';
import type { CachingDeps, RequestMeta, Viewer } from './context.ts';
import { dropCachedSessions, sessionsChanged } from './session-service.ts';

const PAGE_SIZE = 50;

export function createApprovalService({ db, cache }: CachingDeps) {
  return {
    async listPending(viewer: Viewer | null, cursor: string | undefined): Promise<Page<User>> {
      if (!canReviewPendingAccounts(viewer)) throw new NotFoundError('pending accounts');
      return toPage(await listPendingUsers(db, PAGE_SIZE + 1, decodeCursor(cursor)), PAGE_SIZE);
    },

    /** Answers false when the account was already reviewed (another moderator was quicker);
     * an account that does not exist or never waited for review is "not found". */
    async decide(viewer: Viewer | null, userId: number, decision: 'approve' | 'reject', meta: RequestMeta): Promise<boolean> {
      if (!canReviewPendingAccounts(viewer)) throw new NotFoundError('pending accounts');
      const decided = await db.transaction().execute(async (trx) => {
        const user = await reviewPendingUser(trx, userId, decision === 'approve' ? 'active' : 'rejected', viewer.id);
        if (!user) {
          const existing = await findUserById(trx, userId);
          if (!existing || !existing.reviewed_at) throw new NotFoundError('pending account');
          return false;
        }
        // The member's open session (they wait on their status page) sees the decision at once.
        await sessionsChanged(trx, user.id);
        await audit(trx, decision === 'approve' ? 'moderation.account_approved' : 'moderation.account_rejected', meta, {
          actorId: viewer.id,
          targetUserId: user.id,
        });
        return true;
      });
      if (decided) dropCachedSessions(cache, userId);
      return decided;
    },
  };
}
