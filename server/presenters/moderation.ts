// Moderation as templates receive it. Snapshots and reports are plain text (escaped output); the
// reporter's identity only ever reaches moderators' pages.
import type { Translate } from '../i18n/index.ts';
import { CASE_STATES, REPORT_REASONS, SANCTION_KINDS, type ModerationSanction } from '../db/schema.ts';
import { DURATIONS } from '../services/moderation-service.ts';

const durationLabel = (t: Translate, s: { kind: string; ends_at: Date | null }) =>
  s.kind === 'warning' ? '' : s.ends_at ? t('moderation.sanctions.until', { date: s.ends_at.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' }) : t('moderation.sanctions.indefinite');

export function presentMySanctions(sanctions: (ModerationSanction & { current: boolean })[], t: Translate) {
  return {
    sanctions: sanctions.map((s) => ({
      id: s.id,
      kind: s.kind,
      kindLabel: t(`moderation.sanctionKinds.${s.kind}`),
      reason: s.reason,
      createdAt: s.created_at,
      until: durationLabel(t, s),
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

export function presentSanctionHistory(list: (ModerationSanction & { created_by_handle: string | null })[], t: Translate) {
  return list.map((s) => ({
    id: s.id,
    kindLabel: t(`moderation.sanctionKinds.${s.kind}`),
    reason: s.reason,
    createdAt: s.created_at,
    by: s.created_by_handle,
    until: durationLabel(t, s),
    lifted: !!s.lifted_at,
    liftReason: s.lift_reason,
    appealText: s.appeal_text,
    acknowledged: !!s.acknowledged_at,
  }));
}
