import Bowser from 'bowser';
import type { Session } from '../db/schema.ts';
import type { Translate } from '../i18n/index.ts';

/** "Firefox 128 · Linux" from a user agent; unknown parts are named as such. */
export function describeDevice(userAgent: string, t: Translate): string {
  if (!userAgent) return t('account.sessions.unknownDevice');
  const parsed = Bowser.parse(userAgent);
  const browser = [parsed.browser.name, parsed.browser.version?.split('.')[0]].filter(Boolean).join(' ');
  const os = parsed.os.name ?? '';
  const parts = [browser, os].filter(Boolean);
  return parts.length ? parts.join(' · ') : t('account.sessions.unknownDevice');
}

export function presentSessions(sessions: Session[], currentId: string, t: Translate) {
  return sessions.map((s) => ({
    id: s.id,
    device: describeDevice(s.user_agent, t),
    ip: s.ip,
    createdAt: s.created_at,
    lastSeenAt: s.last_seen_at,
    current: s.id === currentId,
  }));
}
