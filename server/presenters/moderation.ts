// Moderation as templates receive it. Snapshots and reports are plain text (escaped output); the
// reporter's identity only ever reaches moderators' pages.
import type { Translate } from '../i18n/index.ts';
import type { Locale } from '../config.ts';
import { CASE_STATES, REPORT_REASONS, SANCTION_KINDS, type ModerationSanction, type User } from '../db/schema.ts';
import { DURATIONS } from '../services/moderation-service.ts';
import { formatDate } from '../view-helpers/helpers.ts';

/** "Until <date>" (written like every other date on the site), "Indefinite", or nothing for a warning. */
const durationLabel = (t: Translate, locale: Locale, s: { kind: string; ends_at: Date | null }) =>
  s.kind === 'warning' ? '' : s.ends_at ? t('moderation.sanctions.until', { date: formatDate(s.ends_at, locale) }) : t('moderation.sanctions.indefinite');

/** A sign-up waiting for approval (the pending page and the queue: partial moderation-pending). */
export function presentPendingAccount(u: Pick<User, 'id' | 'handle' | 'display_name' | 'email' | 'created_at'>) {
  return { id: u.id, handle: u.handle, displayName: u.display_name, email: u.email, createdAt: u.created_at };
}

export function presentMySanctions(sanctions: (ModerationSanction & { current: boolean })[], t: Translate, locale: Locale) {
  return {
    sanctions: sanctions.map((s) => ({
      id: s.id,
      kind: s.kind,
      kindLabel: t(`moderation.sanctionKinds.${s.kind}`),
      reason: s.reason,
      createdAt: s.created_at,
      until: durationLabel(t, locale, s),
      current: s.current,
      lifted: !!s.lifted_at,
      liftReason: s.lift_reason,
      mustAcknowledge: s.kind === 'warning' && !s.acknowledged_at && !s.lifted_at,
      appealed: !!s.appealed_at,
      appealText: s.appeal_text,
      canAppeal: !s.appealed_at && !s.lifted_at && s.current,
    })),
  };
}

export function reasonOptions(t: Translate, selected?: string) {
  return REPORT_REASONS.map((r) => ({ value: r, label: t(`moderation.reasons.${r}`), selected: r === selected }));
}

export function stateOptions(t: Translate, selected?: string) {
  return CASE_STATES.map((s) => ({ value: s, label: t(`moderation.states.${s}`), selected: s === selected }));
}

/** The sanction form's choices, with what was typed selected again (7 days until something was). */
export function sanctionOptions(t: Translate, templates: readonly { id: number; title: string }[], values: Record<string, string> = {}) {
  const duration = (DURATIONS as readonly string[]).includes(values.duration ?? '') ? values.duration : '7d';
  return {
    kinds: SANCTION_KINDS.map((k) => ({ value: k, label: t(`moderation.sanctionKinds.${k}`), selected: k === values.kind })),
    durations: DURATIONS.map((d) => ({ value: d, label: t(`moderation.durations.${d}`), selected: d === duration })),
    templates: templates.map((x) => ({ value: String(x.id), label: x.title, selected: String(x.id) === values.templateId })),
  };
}

export function presentSanctionHistory(list: (ModerationSanction & { created_by_handle: string | null })[], t: Translate, locale: Locale) {
  return list.map((s) => ({
    id: s.id,
    kindLabel: t(`moderation.sanctionKinds.${s.kind}`),
    reason: s.reason,
    createdAt: s.created_at,
    by: s.created_by_handle,
    until: durationLabel(t, locale, s),
    lifted: !!s.lifted_at,
    liftReason: s.lift_reason,
    appealText: s.appeal_text,
    acknowledged: !!s.acknowledged_at,
  }));
}
