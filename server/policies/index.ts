// Every permission rule lives here, as a pure function of who is asking and what they ask about.
// Services call these; templates get their answers as viewer flags. What a viewer may not see
// answers 404 (services throw NotFoundError), so the existence of a thing never leaks.
import type { Role, UserStatus } from '../db/schema.ts';

/** A suspended member's account is active in the table; their sessions see them as 'suspended'. */
export type ViewerStatus = UserStatus | 'suspended';

export interface PolicyViewer {
  id: number;
  role: Role;
  status: ViewerStatus;
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

// ---- posts, comments, walls -------------------------------------------------------------
// The SQL form of canViewPost (for lists: walls, tag pages) is visiblePostsFilter in
// server/repos/posts.ts; the visibility-matrix tests check both agree.

export interface PostFacts extends ModeratedFacts {
  author_id: number;
  wall_owner_id: number;
  visibility: 'public' | 'members' | 'followers' | 'mentioned';
}

/** What the viewer is to the post's author, read by the service before asking. */
export interface PostRelation {
  followsAuthor: boolean;
  mentioned: boolean;
  /** a block (either way) or the viewer's mute stands between the viewer and the author or wall owner */
  blocked?: boolean;
}

export function canViewPost(viewer: PolicyViewer | null | undefined, post: PostFacts, rel: PostRelation): boolean {
  if (isHiddenFor(viewer, post, rel)) return false;
  if (post.visibility === 'public') return true;
  if (!isActive(viewer)) return false;
  if (viewer.id === post.author_id || viewer.id === post.wall_owner_id) return true;
  switch (post.visibility) {
    case 'members':
      return true;
    case 'followers':
      return rel.followsAuthor;
    case 'mentioned':
      return rel.mentioned;
  }
}

export function canEditPost<V extends PolicyViewer>(viewer: V | null | undefined, post: PostFacts): viewer is V {
  return isActive(viewer) && viewer.id === post.author_id;
}

/** The author deletes; the wall owner removes what others wrote on their wall. */
export function canDeletePost<V extends PolicyViewer>(viewer: V | null | undefined, post: PostFacts): viewer is V {
  return isActive(viewer) && (viewer.id === post.author_id || viewer.id === post.wall_owner_id);
}

/** Earlier versions of an edited post are for moderators (and the author). */
export function canSeePostRevisions(viewer: PolicyViewer | null | undefined, post: PostFacts): boolean {
  return isActive(viewer) && (viewer.id === post.author_id || rank[viewer.role] >= rank.moderator);
}

/** "people they follow": the wall owner follows the person who wants to write. */
export function canPostOnWall<V extends PolicyViewer>(
  viewer: V | null | undefined,
  owner: { id: number; wall_policy: 'everyone' | 'following' | 'nobody' },
  ownerFollowsViewer: boolean,
): viewer is V {
  if (!isActive(viewer)) return false;
  if (viewer.id === owner.id) return true;
  if (owner.wall_policy === 'everyone') return true;
  return owner.wall_policy === 'following' && ownerFollowsViewer;
}

export function canInteractWithPost<V extends PolicyViewer>(viewer: V | null | undefined, post: PostFacts, rel: PostRelation): viewer is V {
  return isActive(viewer) && canViewPost(viewer, post, rel);
}

/** Only public and members posts travel to other walls. */
export function canSharePost<V extends PolicyViewer>(viewer: V | null | undefined, post: PostFacts, rel: PostRelation): viewer is V {
  return canInteractWithPost(viewer, post, rel) && (post.visibility === 'public' || post.visibility === 'members');
}

export function canEditComment<V extends PolicyViewer>(viewer: V | null | undefined, comment: { author_id: number }): viewer is V {
  return isActive(viewer) && viewer.id === comment.author_id;
}

/** The comment's author deletes; the post's author removes comments under their post. */
export function canDeleteComment<V extends PolicyViewer>(viewer: V | null | undefined, comment: { author_id: number }, post: PostFacts): viewer is V {
  return isActive(viewer) && (viewer.id === comment.author_id || viewer.id === post.author_id);
}

export function canFollow<V extends PolicyViewer>(viewer: V | null | undefined, target: { id: number }): viewer is V {
  return isActive(viewer) && viewer.id !== target.id;
}

// ---- profiles ---------------------------------------------------------------------------

/** Profiles of active members are public, logged out too; other accounts have no profile page. */
export function canViewProfile(_viewer: PolicyViewer | null | undefined, owner: { status: UserStatus }): boolean {
  return owner.status === 'active';
}

/** Only the member themself edits their profile and avatar. */
export function canEditProfile<V extends PolicyViewer>(viewer: V | null | undefined, owner: { id: number }): viewer is V {
  return isActive(viewer) && viewer.id === owner.id;
}

/** The extra questions of the sign-up and profile forms. */
export function canManageProfileQuestions<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return atLeast(viewer, 'admin');
}

// ---- topics (the discussion forum) ----------------------------------------------------------
// Topics and their replies are public: anyone, signed out too, may read them. Writing needs an
// active account; restricted categories ("Annonces") take new topics from moderators only.

export interface CategoryFacts {
  restricted: boolean;
}

export interface TopicFacts {
  author_id: number;
  locked_at: Date | null;
}

/** Create, edit and order the categories. */
export function canManageCategories<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return atLeast(viewer, 'admin');
}

export function canPostInCategory<V extends PolicyViewer>(viewer: V | null | undefined, category: CategoryFacts): viewer is V {
  return isActive(viewer) && (!category.restricted || rank[viewer.role] >= rank.moderator);
}

/** A locked topic takes no reply from anyone until a moderator unlocks it. */
export function canReplyToTopic<V extends PolicyViewer>(viewer: V | null | undefined, topic: TopicFacts): viewer is V {
  return isActive(viewer) && topic.locked_at === null;
}

/** Pin, lock, move and retitle topics; remove any reply. */
export function canModerateTopic<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return atLeast(viewer, 'moderator');
}

export function canEditTopicReply<V extends PolicyViewer>(viewer: V | null | undefined, reply: { author_id: number }): viewer is V {
  return isActive(viewer) && viewer.id === reply.author_id;
}

export function canDeleteTopicReply<V extends PolicyViewer>(viewer: V | null | undefined, reply: { author_id: number }): viewer is V {
  return isActive(viewer) && (viewer.id === reply.author_id || rank[viewer.role] >= rank.moderator);
}

export function canLikeTopicReply<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return isActive(viewer);
}

/** Topics and categories are public, so any active member may follow them. */
export function canFollowTopics<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return isActive(viewer);
}

/** The opening post is the author's to edit (moderators change the title, not the words). */
export function canEditTopic<V extends PolicyViewer>(viewer: V | null | undefined, topic: { author_id: number }): viewer is V {
  return isActive(viewer) && viewer.id === topic.author_id;
}

// ---- moderation ---------------------------------------------------------------------------

/** What moderation marks on any piece of content (posts, comments, later topic replies…). */
export interface ModeratedFacts {
  author_id: number;
  /** hidden by a moderator or by the reports' score */
  hidden_at: Date | null;
  /** waiting for a moderator's approval (posts only) */
  held_at?: Date | null;
}

/**
 * THE rule for content taken out of a viewer's sight: hidden or held content is seen by its author
 * only (with the reason), nobody else — moderators included, who see it in the review queue; and
 * nothing crosses a block (either way) or the viewer's mute (`rel.blocked`, from the viewer facts).
 * canViewPost and the comment lists call this; its SQL twin is the first conditions of
 * visiblePostsFilter (server/repos/posts.ts).
 */
export function isHiddenFor(viewer: PolicyViewer | null | undefined, content: ModeratedFacts, rel: { blocked?: boolean } = {}): boolean {
  if (rel.blocked) return true;
  if (!content.hidden_at && !content.held_at) return false;
  return !(isActive(viewer) && viewer.id === content.author_id);
}

/** The review queue, content actions, sanctions, members' moderation history. */
export function canModerate<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return atLeast(viewer, 'moderator');
}

/** Any active member reports what they can see, except their own content. */
export function canReport<V extends PolicyViewer>(viewer: V | null | undefined, target: { authorId: number }): viewer is V {
  return isActive(viewer) && viewer.id !== target.authorId;
}

/** Moderators do not sanction themselves, and only admins sanction moderators or admins. */
export function canSanction<V extends PolicyViewer>(viewer: V | null | undefined, member: { id: number; role: Role }): viewer is V {
  if (!canModerate(viewer) || viewer.id === member.id) return false;
  return member.role === 'member' || viewer.role === 'admin';
}

/** Auto-hide threshold, report weights and limits, sanction reason templates. */
export function canManageModerationSettings<V extends PolicyViewer>(viewer: V | null | undefined): viewer is V {
  return atLeast(viewer, 'admin');
}

/** Following, commenting, mentioning: never across a block, whichever way it goes. */
export function canReachMember(viewer: PolicyViewer | null | undefined, rel: { blockedEitherWay: boolean }): boolean {
  return isActive(viewer) && !rel.blockedEitherWay;
}
