import type { Executor } from '../db/executor.ts';
import type { AuditEvent } from '../db/schema.ts';
import { olderThan, type Cursor } from '../db/pagination.ts';

export interface NewAuditEvent {
  action: string;
  actorId?: number | null;
  targetUserId?: number | null;
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

export async function insertAuditEvent(db: Executor, e: NewAuditEvent): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      action: e.action,
      actor_id: e.actorId ?? null,
      target_user_id: e.targetUserId ?? null,
      ip: e.ip ?? null,
      request_id: e.requestId ?? null,
      details: JSON.stringify(e.details ?? {}),
    })
    .execute();
}

export interface AuditEventRow extends AuditEvent {
  actor_handle: string | null;
  target_handle: string | null;
}

/** What the audit page may be narrowed to; each condition is backed by an index. */
export interface AuditFilter {
  /** an exact action, or a family ending in '.' ('moderation.') */
  action?: string;
  actorId?: number;
  targetUserId?: number;
  from?: Date;
  to?: Date;
}

export async function listAuditEvents(db: Executor, limit: number, before?: Cursor, filter: AuditFilter = {}): Promise<AuditEventRow[]> {
  let q = db
    .selectFrom('audit_events as e')
    .leftJoin('users as a', 'a.id', 'e.actor_id')
    .leftJoin('users as t', 't.id', 'e.target_user_id')
    .selectAll('e')
    .select(['a.handle as actor_handle', 't.handle as target_handle']);
  if (filter.action) q = filter.action.endsWith('.') ? q.where('e.action', 'like', `${filter.action.replace(/[\\%_]/g, '\\$&')}%`) : q.where('e.action', '=', filter.action);
  if (filter.actorId !== undefined) q = q.where('e.actor_id', '=', filter.actorId);
  if (filter.targetUserId !== undefined) q = q.where('e.target_user_id', '=', filter.targetUserId);
  if (filter.from) q = q.where('e.created_at', '>=', filter.from);
  if (filter.to) q = q.where('e.created_at', '<', filter.to);
  if (before) q = q.where(olderThan('e.created_at', 'e.id', before));
  return q.orderBy('e.created_at', 'desc').orderBy('e.id', 'desc').limit(limit).execute();
}
