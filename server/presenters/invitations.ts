import type { Invitation } from '../db/schema.ts';

export type InvitationState = 'usable' | 'used' | 'revoked' | 'expired';

export function invitationState(inv: Invitation, now: Date): InvitationState {
  if (inv.used_at) return 'used';
  if (inv.revoked_at) return 'revoked';
  if (inv.expires_at <= now) return 'expired';
  return 'usable';
}

export function presentInvitations(items: Invitation[], origin: string, now: Date) {
  return items.map((inv) => {
    const state = invitationState(inv, now);
    return {
      id: inv.id,
      state,
      usable: state === 'usable',
      link: state === 'usable' ? `${origin}/signup?invite=${encodeURIComponent(inv.token)}` : undefined,
      createdAt: inv.created_at,
      expiresAt: inv.expires_at,
      usedAt: inv.used_at,
    };
  });
}
