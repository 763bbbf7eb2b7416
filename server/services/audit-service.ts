import type { Executor } from '../db/executor.ts';
import { decodeCursor, toPage, type Page } from '../db/pagination.ts';
import { insertAuditEvent, listAuditEvents, type AuditEventRow, type NewAuditEvent } from '../repos/audit.ts';
import { canReadAuditLog } from '../policies/index.ts';
import { NotFoundError } from '../errors.ts';
import type { RequestMeta, ServiceDeps, Viewer } from './context.ts';

export type AuditAction =
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.login_throttled'
  | 'auth.logout'
  | 'auth.signup'
  | 'account.password_changed'
  | 'account.session_revoked'
  | 'admin.role_changed'
  | 'admin.settings_changed'
  | 'admin.profile_question_created'
  | 'admin.profile_question_updated'
  | 'admin.profile_question_archived'
  | 'admin.profile_question_restored'
  | 'moderation.account_approved'
  | 'moderation.account_rejected'
  | 'invitation.created'
  | 'invitation.revoked'
  | 'moderation.auto_hidden'
  | 'moderation.case_assigned'
  | 'moderation.case_state_changed'
  | 'moderation.note_added'
  | 'moderation.content_hidden'
  | 'moderation.content_unhidden'
  | 'moderation.content_deleted'
  | 'moderation.held_post_approved'
  | 'moderation.sanction_created'
  | 'moderation.sanction_lifted'
  | 'moderation.appeal_received'
  | 'moderation.member_trusted'
  | 'moderation.member_untrusted'
  | 'admin.moderation_settings_changed'
  | 'admin.moderation_template_created'
  | 'admin.moderation_template_updated';

/** Records a security event in the caller's transaction, if any. Never pass a secret in details. */
export async function audit(
  db: Executor,
  action: AuditAction,
  meta: Partial<RequestMeta> | undefined,
  event: Omit<NewAuditEvent, 'action' | 'ip' | 'requestId'> = {},
): Promise<void> {
  await insertAuditEvent(db, { ...event, action, ip: meta?.ip ?? null, requestId: meta?.requestId ?? null });
}

export const AUDIT_PAGE_SIZE = 50;

export function createAuditService({ db }: ServiceDeps) {
  return {
    async list(viewer: Viewer | null, cursor: string | undefined): Promise<Page<AuditEventRow>> {
      if (!canReadAuditLog(viewer)) throw new NotFoundError('audit log');
      const rows = await listAuditEvents(db, AUDIT_PAGE_SIZE + 1, decodeCursor(cursor));
      return toPage(rows, AUDIT_PAGE_SIZE);
    },
  };
}
