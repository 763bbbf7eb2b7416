// Every permission rule lives here, as a pure function of who is asking and what they ask about.
// Services call these; templates get their answers as viewer flags. What a viewer may not see
// answers 404 (services throw NotFoundError), so the existence of a thing never leaks.
import type { Role, UserStatus } from '../db/schema.ts';

export interface PolicyViewer {
  id: number;
  role: Role;
  status: UserStatus;
}

const rank: Record<Role, number> = { member: 0, moderator: 1, admin: 2 };

export function isActive<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return !!viewer && viewer.status === 'active';
}

function atLeast<V extends PolicyViewer>(viewer: V | null | undefined, role: Role): viewer is V {
  return isActive(viewer) && rank[viewer.role] >= rank[role];
}

/** Instance name, description, registration mode. */
export function canManageSettings<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return atLeast(viewer, 'admin');
}

export function canReadAuditLog<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return atLeast(viewer, 'admin');
}

/** Approve or reject accounts waiting in approval mode. */
export function canReviewPendingAccounts<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return atLeast(viewer, 'moderator');
}

/** Any active member (moderators and admins included) may invite people. */
export function canCreateInvitation<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return isActive(viewer);
}

export function canRevokeInvitation<V extends PolicyViewer>(viewer: V | null | undefined, invitation: { created_by: number }): viewer is V {
  return isActive(viewer) && (invitation.created_by === viewer.id || viewer.role === 'admin');
}

/** A pending or rejected account may do nothing but see its status, change language and log out. */
export function canUseInstance<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return isActive(viewer);
}
