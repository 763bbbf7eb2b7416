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

/** Families and actions the audit page filters on (the catalog lists every known action). */
export function auditActionOptions(t: Translate, selected: string | undefined) {
  const families = ['auth.', 'account.', 'admin.', 'moderation.', 'invitation.'];
  const actions = Object.keys((t('admin.audit.actions', { returnObjects: true }) as unknown as Record<string, string>) ?? {});
  return [
    ...families.map((f) => ({ value: f, label: t('admin.audit.family', { family: f.slice(0, -1) }), selected: f === selected })),
    ...actions.map((a) => ({ value: a, label: t(`admin.audit.actions.${a}`), selected: a === selected })),
  ];
}
