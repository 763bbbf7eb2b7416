import type { Executor } from '../db/executor.ts';
import { decodeCursor, toPage, type Page } from '../db/pagination.ts';
import { insertAuditEvent, listAuditEvents, type AuditEventRow, type AuditFilter, type NewAuditEvent } from '../repos/audit.ts';
import { findUserByHandle } from '../repos/users.ts';
import { csvLine } from './csv.ts';
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
  | 'admin.category_created'
  | 'admin.category_updated'
  | 'moderation.topic_pinned'
  | 'moderation.topic_unpinned'
  | 'moderation.topic_locked'
  | 'moderation.topic_unlocked'
  | 'moderation.topic_moved'
  | 'moderation.topic_retitled'
  | 'moderation.topic_reply_removed'
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
  | 'admin.moderation_template_updated'
  | 'admin.watched_word_added'
  | 'admin.watched_word_removed';

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

/** The audit page's filters as typed in its form (all optional). */
export interface AuditQuery {
  action?: string;
  actor?: string;
  target?: string;
  from?: string;
  to?: string;
}

/** Most rows one CSV export holds (newest first); narrow the filters for more. */
export const AUDIT_EXPORT_MAX = 20_000;

export function createAuditService({ db }: ServiceDeps) {
  /** Handles and dates to ids and instants; an unknown handle matches nothing. */
  async function resolve(q: AuditQuery): Promise<AuditFilter | null> {
    const filter: AuditFilter = {};
    if (q.action && /^[a-z_.]{1,60}$/.test(q.action)) filter.action = q.action;
    for (const [field, key] of [
      ['actor', 'actorId'],
      ['target', 'targetUserId'],
    ] as const) {
      const handle = (q[field] ?? '').trim().replace(/^@/, '');
      if (!handle) continue;
      const user = /^[A-Za-z0-9_]{1,30}$/.test(handle) ? await findUserByHandle(db, handle) : undefined;
      if (!user) return null;
      filter[key] = user.id;
    }
    const day = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ? new Date(`${v}T00:00:00Z`) : undefined);
    const from = day(q.from);
    const to = day(q.to);
    if (from) filter.from = from;
    if (to) filter.to = new Date(to.getTime() + 86_400_000);
    return filter;
  }

  return {
    async list(viewer: Viewer | null, cursor: string | undefined, query: AuditQuery = {}): Promise<Page<AuditEventRow>> {
      if (!canReadAuditLog(viewer)) throw new NotFoundError('audit log');
      const filter = await resolve(query);
      if (!filter) return { items: [], next: undefined };
      const rows = await listAuditEvents(db, AUDIT_PAGE_SIZE + 1, decodeCursor(cursor), filter);
      return toPage(rows, AUDIT_PAGE_SIZE);
    },

    /** The filtered log as CSV (newest first), read page by page on the keyset. */
    async exportCsv(viewer: Viewer | null, query: AuditQuery, label: (action: string) => string): Promise<string> {
      if (!canReadAuditLog(viewer)) throw new NotFoundError('audit log');
      const filter = await resolve(query);
      let out = csvLine(['id', 'created_at', 'action', 'label', 'actor_id', 'actor', 'target_user_id', 'target', 'ip', 'request_id', 'details']);
      if (!filter) return out;
      let before: { createdAt: Date; id: number } | undefined;
      for (let total = 0; total < AUDIT_EXPORT_MAX; ) {
        const rows = await listAuditEvents(db, Math.min(1000, AUDIT_EXPORT_MAX - total), before, filter);
        for (const e of rows) {
          out += csvLine([e.id, e.created_at, e.action, label(e.action), e.actor_id, e.actor_handle, e.target_user_id, e.target_handle, e.ip, e.request_id, JSON.stringify(e.details ?? {})]);
        }
        total += rows.length;
        if (rows.length < 1000) break;
        const last = rows[rows.length - 1]!;
        before = { createdAt: last.created_at, id: last.id };
      }
      return out;
    },
  };
}
