// What the layout needs on every page: the instance, the viewer and what they may reach, the
// language switch, the CSRF token for forms and an optional notice from a redirect (?notice=…).
import type { InstanceSettings } from '../db/schema.ts';
import type { Locale } from '../config.ts';
import type { Translate } from '../i18n/index.ts';
import type { Viewer } from '../services/index.ts';
import { canManageSettings, canReadAuditLog, canReviewPendingAccounts, canCreateInvitation } from '../policies/index.ts';

/** Notices a redirect may ask for; anything else in ?notice= is ignored. */
export const NOTICES = [
  'welcome',
  'loggedIn',
  'loggedOut',
  'passwordChanged',
  'sessionRevoked',
  'settingsSaved',
  'invitationCreated',
  'invitationRevoked',
  'invitationNotRevocable',
  'accountApproved',
  'accountRejected',
  'alreadyReviewed',
  'postPublished',
  'postEdited',
  'postDeleted',
  'postShared',
  'commentDeleted',
  'replyDeleted',
  'reportSent',
  'appealSent',
  'caseUpdated',
  'noteAdded',
  'contentActionDone',
  'sanctionApplied',
  'sanctionLifted',
  'sanctionAlreadyLifted',
  'memberUpdated',
  'postHeld',
  'memberBlocked',
  'memberMuted',
  'memberUnblocked',
  'notificationSettingsSaved',
] as const;

export function presentViewer(viewer: Viewer | null) {
  if (!viewer) return null;
  return {
    id: viewer.id,
    handle: viewer.handle,
    displayName: viewer.displayName,
    role: viewer.role,
    isActive: viewer.status === 'active',
    canManageSettings: canManageSettings(viewer),
    canReadAuditLog: canReadAuditLog(viewer),
    canReviewPending: canReviewPendingAccounts(viewer),
    canInvite: canCreateInvitation(viewer),
  };
}

export function presentLayout(input: {
  request: { url: string; locale: Locale; query: unknown };
  viewer: Viewer | null;
  settings: InstanceSettings;
  csrfToken: string;
  t: Translate;
  title: string | undefined;
}) {
  const { request, viewer, settings, t } = input;
  const query = (request.query ?? {}) as Record<string, unknown>;
  const notice = typeof query.notice === 'string' && (NOTICES as readonly string[]).includes(query.notice) ? t(`notices.${query.notice}`) : undefined;
  // The language switch returns here; a one-time notice (?notice=…) must not show again.
  const path = request.url.length > 2000 ? '/' : request.url.replace(/([?&])notice=[^&#]*&?/, '$1').replace(/[?&]$/, '');
  return {
    locale: request.locale,
    otherLocales: (['fr', 'en'] as const).filter((l) => l !== request.locale).map((l) => ({ code: l, label: t(`layout.languages.${l}`) })),
    currentPath: path,
    instance: { name: settings.name, description: settings.description },
    pageTitle: input.title ? `${input.title} · ${settings.name}` : settings.name,
    viewer: presentViewer(viewer),
    csrfToken: input.csrfToken,
    notice,
  };
}
