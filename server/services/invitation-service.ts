// Invitation links. The token is kept readable so that the person who made a link can copy it
// again later; it is shown only to them (and admins), and it works once, before it expires.
import { NotFoundError } from '../errors.ts';
import { findInvitation, insertInvitation, listInvitationsBy, revokeInvitation } from '../repos/invitations.ts';
import { canCreateInvitation, canRevokeInvitation } from '../policies/index.ts';
import { decodeCursor, toPage, type Page } from '../db/pagination.ts';
import type { Invitation } from '../db/schema.ts';
import { audit } from './audit-service.ts';
import type { RequestMeta, ServiceDeps, Viewer } from './context.ts';
import { generateToken } from './tokens.ts';
import { ValidationError } from '../errors.ts';

export const INVITATION_DAYS = [1, 7, 30] as const;
const PAGE_SIZE = 20;

export function createInvitationService(deps: ServiceDeps) {
  const { db } = deps;
  const now = () => deps.now?.() ?? new Date();

  return {
    async create(viewer: Viewer | null, days: number, meta: RequestMeta): Promise<Invitation> {
      if (!canCreateInvitation(viewer)) throw new NotFoundError('invitations');
      if (!(INVITATION_DAYS as readonly number[]).includes(days)) throw new ValidationError({ days: { key: 'validation.choice' } });
      return db.transaction().execute(async (trx) => {
        const inv = await insertInvitation(trx, { token: generateToken(), createdBy: viewer.id, expiresAt: new Date(now().getTime() + days * 86_400_000) });
        await audit(trx, 'invitation.created', meta, { actorId: viewer.id, details: { invitationId: inv.id, days } });
        return inv;
      });
    },

    async list(viewer: Viewer | null, cursor: string | undefined): Promise<Page<Invitation>> {
      if (!canCreateInvitation(viewer)) throw new NotFoundError('invitations');
      return toPage(await listInvitationsBy(db, viewer.id, PAGE_SIZE + 1, decodeCursor(cursor)), PAGE_SIZE);
    },

    /** Answers false when the link could no longer be revoked (already used or revoked). */
    async revoke(viewer: Viewer | null, id: number, meta: RequestMeta): Promise<boolean> {
      const inv = await findInvitation(db, id);
      if (!inv || !canRevokeInvitation(viewer, inv)) throw new NotFoundError('invitation');
      return db.transaction().execute(async (trx) => {
        if (!(await revokeInvitation(trx, id, now()))) return false;
        await audit(trx, 'invitation.revoked', meta, { actorId: viewer.id, details: { invitationId: id } });
        return true;
      });
    },
  };
}
