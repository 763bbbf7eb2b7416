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

export async function listAuditEvents(db: Executor, limit: number, before?: Cursor): Promise<AuditEventRow[]> {
  let q = db
    .selectFrom('audit_events as e')
    .leftJoin('users as a', 'a.id', 'e.actor_id')
    .leftJoin('users as t', 't.id', 'e.target_user_id')
    .selectAll('e')
    .select(['a.handle as actor_handle', 't.handle as target_handle']);
  if (before) q = q.where(olderThan('e.created_at', 'e.id', before));
  return q.orderBy('e.created_at', 'desc').orderBy('e.id', 'desc').limit(limit).execute();
}
