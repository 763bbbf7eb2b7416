import type { AuditEventRow } from '../repos/audit.ts';
import type { Translate } from '../i18n/index.ts';

export function presentAuditEvents(rows: AuditEventRow[], t: Translate) {
  return rows.map((e) => ({
    id: e.id,
    at: e.created_at,
    action: e.action,
    label: t(`admin.audit.actions.${e.action}`, { defaultValue: e.action }),
    actor: e.actor_handle ? `@${e.actor_handle}` : e.actor_id ? `#${e.actor_id}` : undefined,
    target: e.target_handle ? `@${e.target_handle}` : e.target_user_id ? `#${e.target_user_id}` : undefined,
    ip: e.ip ?? '',
    requestId: e.request_id ?? '',
    details: Object.keys(e.details ?? {}).length ? JSON.stringify(e.details) : '',
  }));
}
