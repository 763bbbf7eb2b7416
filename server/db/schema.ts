// Typed view of the tables, kept in step with migrations/. Columns with database defaults are
// Generated<> so inserts may omit them.
import type { ColumnType, Generated, GeneratedAlways, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export type Role = 'member' | 'moderator' | 'admin';
export const ROLES: readonly Role[] = ['member', 'moderator', 'admin'];
export type UserStatus = 'pending' | 'active' | 'rejected';
export type RegistrationMode = 'open' | 'invitation' | 'approval' | 'closed';
export const REGISTRATION_MODES: readonly RegistrationMode[] = ['open', 'invitation', 'approval', 'closed'];

export interface UsersTable {
  id: Generated<number>;
  handle: string;
  email: string;
  display_name: string;
  password_hash: string;
  role: ColumnType<Role, Role | undefined, Role>;
  status: ColumnType<UserStatus, UserStatus | undefined, UserStatus>;
  locale: ColumnType<string, string | undefined, string>;
  invited_by: number | null;
  created_at: CreatedAt;
  password_changed_at: Timestamp;
  reviewed_at: Date | null;
  reviewed_by: number | null;
  trusted_at: Generated<Date | null>;
}

export interface SessionsTable {
  /** hex SHA-256 of the token held by the browser; the token itself is never stored */
  id: string;
  user_id: number;
  created_at: CreatedAt;
  expires_at: Date;
  last_seen_at: Timestamp;
  user_agent: string;
  ip: string;
}

export interface InstanceSettingsTable {
  id: ColumnType<number, never, never>;
  name: string;
  description: string;
  registration_mode: RegistrationMode;
  updated_at: Timestamp;
}

export interface InvitationsTable {
  id: Generated<number>;
  token: string;
  created_by: number;
  created_at: CreatedAt;
  expires_at: Date;
  used_at: Date | null;
  used_by: number | null;
  revoked_at: Date | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  created_at: CreatedAt;
  action: string;
  actor_id: number | null;
  target_user_id: number | null;
  ip: string | null;
  request_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, never>;
}

export interface LoginThrottlesTable {
  key: string;
  failures: number;
  last_failure_at: Date;
  locked_until: Date | null;
}

export type WallPolicy = 'everyone' | 'following' | 'nobody';
export const WALL_POLICIES: readonly WallPolicy[] = ['everyone', 'following', 'nobody'];
export type ProfileTagKind = 'skill' | 'interest' | 'language';
export type Visibility = 'public' | 'members' | 'followers' | 'mentioned';
export const VISIBILITIES: readonly Visibility[] = ['public', 'members', 'followers', 'mentioned'];

export interface ProfileLink {
  url: string;
  label: string;
}

export interface ProfilesTable {
  user_id: number;
  bio: ColumnType<string, string | undefined, string>;
  pronouns: ColumnType<string, string | undefined, string>;
  location: ColumnType<string, string | undefined, string>;
  links: ColumnType<ProfileLink[], string | undefined, string>;
  wall_policy: ColumnType<WallPolicy, WallPolicy | undefined, WallPolicy>;
  avatar_key: string | null;
  post_count: Generated<number>;
  follower_count: Generated<number>;
  following_count: Generated<number>;
  updated_at: Timestamp;
  /** follows wait in follow_requests until this member accepts them */
  approve_followers: Generated<boolean>;
}

export interface ProfileTagsTable {
  user_id: number;
  kind: ProfileTagKind;
  tag: string;
  position: ColumnType<number, number | undefined, number>;
}

export interface ProfileQuestionsTable {
  id: Generated<number>;
  label_fr: string;
  label_en: string;
  kind: 'text' | 'choice';
  choices: ColumnType<string[], string | undefined, string>;
  required: ColumnType<boolean, boolean | undefined, boolean>;
  position: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  archived_at: Date | null;
}

export interface ProfileAnswersTable {
  user_id: number;
  question_id: number;
  answer: string;
}

/** One row per thing followed: exactly one target column is set (see the generalize-follows migration). */
export interface FollowsTable {
  follower_id: number;
  /** a member */
  followee_id: number | null;
  /** a hashtag, lower-cased, without '#' */
  hashtag: string | null;
  /** a forum topic */
  topic_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** a forum category */
  category_id: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: CreatedAt;
}

export interface PostsTable {
  id: Generated<number>;
  author_id: number;
  wall_owner_id: number;
  body: string;
  body_html: string;
  visibility: Visibility;
  shared_post_id: number | null;
  is_share: ColumnType<boolean, boolean | undefined, never>;
  created_at: CreatedAt;
  edited_at: Date | null;
  like_count: Generated<number>;
  comment_count: Generated<number>;
  share_count: Generated<number>;
  hidden_at: Generated<Date | null>;
  hidden_reason: Generated<string | null>;
  hidden_by: Generated<number | null>;
  /** waiting for a moderator's approval (limited or new members) */
  held_at: Generated<Date | null>;
}

export interface PostRevisionsTable {
  id: Generated<number>;
  post_id: number;
  body: string;
  written_at: Date;
  replaced_at: CreatedAt;
}

export interface PostPhotosTable {
  id: Generated<number>;
  post_id: number;
  position: number;
  media_key: string;
  alt: string;
  width: number;
  height: number;
}

export interface PostMentionsTable {
  post_id: number;
  user_id: number;
}

export interface PostTagsTable {
  post_id: number;
  tag: string;
  created_at: Date;
}

export interface CommentsTable {
  id: Generated<number>;
  post_id: number;
  parent_id: number | null;
  author_id: number;
  body: string;
  body_html: string;
  created_at: CreatedAt;
  edited_at: Date | null;
  like_count: Generated<number>;
  hidden_at: Generated<Date | null>;
  hidden_reason: Generated<string | null>;
  hidden_by: Generated<number | null>;
}

export interface PostLikesTable {
  post_id: number;
  user_id: number;
  created_at: CreatedAt;
}

export interface CommentLikesTable {
  comment_id: number;
  user_id: number;
  created_at: CreatedAt;
}

export type NotificationKind =
  | 'mention_post'
  | 'mention_comment'
  | 'comment_on_post'
  | 'reply_to_comment'
  | 'like_post'
  | 'like_comment'
  | 'new_follower'
  | 'follow_request'
  | 'reply_topic'
  | 'mention_topic'
  | 'reply_followed_topic'
  | 'moderation_auto_hidden';

export interface NotificationsTable {
  id: Generated<number>;
  user_id: number;
  kind: NotificationKind;
  actor_id: number | null;
  post_id: number | null;
  comment_id: number | null;
  topic_id: ColumnType<number | null, number | null | undefined, number | null>;
  reply_id: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: CreatedAt;
  read_at: Date | null;
  moderation_case_id: Generated<number | null>;
  actor_count: Generated<number>;
}

export interface Database extends ModerationDatabase {
  profiles: ProfilesTable;
  profile_tags: ProfileTagsTable;
  profile_questions: ProfileQuestionsTable;
  profile_answers: ProfileAnswersTable;
  follows: FollowsTable;
  posts: PostsTable;
  post_revisions: PostRevisionsTable;
  post_photos: PostPhotosTable;
  post_mentions: PostMentionsTable;
  post_tags: PostTagsTable;
  comments: CommentsTable;
  post_likes: PostLikesTable;
  comment_likes: CommentLikesTable;
  notifications: NotificationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  instance_settings: InstanceSettingsTable;
  invitations: InvitationsTable;
  audit_events: AuditEventsTable;
  login_throttles: LoginThrottlesTable;
  follow_requests: FollowRequestsTable;
  feed_items: FeedItemsTable;
  forum_categories: ForumCategoriesTable;
  topics: TopicsTable;
  topic_replies: TopicRepliesTable;
  topic_reply_likes: TopicReplyLikesTable;
  topic_reads: TopicReadsTable;
  topic_tags: TopicTagsTable;
  live_events: LiveEventsTable;
  notification_mutes: NotificationMutesTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type InstanceSettings = Selectable<InstanceSettingsTable>;
export type Invitation = Selectable<InvitationsTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
export type Profile = Selectable<ProfilesTable>;
export type ProfileQuestion = Selectable<ProfileQuestionsTable>;
export type Post = Selectable<PostsTable>;
export type Comment = Selectable<CommentsTable>;
export type PostPhoto = Selectable<PostPhotosTable>;
export type Notification = Selectable<NotificationsTable>;

/** A follow waiting for the target's approval (profiles.approve_followers). */
export interface FollowRequestsTable {
  requester_id: number;
  target_id: number;
  created_at: CreatedAt;
}

/** One post or topic in one member's home feed (materialised on write); reasons: FEED_REASONS bits. */
export interface FeedItemsTable {
  member_id: number;
  /** exactly one of post_id and topic_id is set */
  post_id: number | null;
  topic_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** the page keyset tiebreaker: the post id, or minus the topic id */
  item_key: GeneratedAlways<number>;
  feed_at: Date;
  reasons: number;
}
// ---- forum (topics) -----------------------------------------------------------------------

export interface ForumCategoriesTable {
  id: Generated<number>;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  colour: ColumnType<string, string | undefined, string>;
  position: ColumnType<number, number | undefined, number>;
  restricted: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface TopicsTable {
  id: Generated<number>;
  category_id: number;
  author_id: number;
  title: string;
  body: string;
  body_html: string;
  created_at: CreatedAt;
  edited_at: Date | null;
  pinned: ColumnType<boolean, boolean | undefined, boolean>;
  locked_at: Date | null;
  lock_reason: string | null;
  reply_count: Generated<number>;
  last_reply_id: number | null;
  last_poster_id: number | null;
  last_activity_at: Timestamp;
  hidden_at: Generated<Date | null>;
  hidden_reason: Generated<string | null>;
  hidden_by: Generated<number | null>;
}

export interface TopicRepliesTable {
  id: Generated<number>;
  topic_id: number;
  author_id: number;
  body: string;
  body_html: string;
  created_at: CreatedAt;
  edited_at: Date | null;
  like_count: Generated<number>;
  hidden_at: Generated<Date | null>;
  hidden_reason: Generated<string | null>;
  hidden_by: Generated<number | null>;
}

export interface TopicReplyLikesTable {
  reply_id: number;
  user_id: number;
  created_at: CreatedAt;
}

export interface TopicReadsTable {
  user_id: number;
  topic_id: number;
  last_read_reply_id: number;
  updated_at: Timestamp;
}

export interface TopicTagsTable {
  topic_id: number;
  tag: string;
  created_at: Date;
}

export type ForumCategory = Selectable<ForumCategoriesTable>;
export type Topic = Selectable<TopicsTable>;
export type TopicReply = Selectable<TopicRepliesTable>;
// ---- moderation (see migrations/20261201T160000-create-moderation.ts) ---------------------

export type CaseState = 'open' | 'in_progress' | 'resolved' | 'rejected';
export const CASE_STATES: readonly CaseState[] = ['open', 'in_progress', 'resolved', 'rejected'];
export type CaseOrigin = 'reports' | 'held' | 'appeal' | 'flag';
export const CASE_ORIGINS: readonly CaseOrigin[] = ['reports', 'held', 'appeal', 'flag'];
export type ReportReason = 'spam' | 'harassment' | 'scam' | 'danger' | 'illegal' | 'misinformation' | 'other';
export const REPORT_REASONS: readonly ReportReason[] = ['spam', 'harassment', 'scam', 'danger', 'illegal', 'misinformation', 'other'];
export type SanctionKind = 'warning' | 'limit' | 'suspension';
export const SANCTION_KINDS: readonly SanctionKind[] = ['warning', 'limit', 'suspension'];

export interface ModerationSettingsTable {
  id: ColumnType<number, never, never>;
  auto_hide_score: number;
  trusted_weight: number;
  reports_per_hour: number;
  updated_at: Timestamp;
  new_member_days: Generated<number>;
  new_member_min_seconds: Generated<number>;
  new_member_no_links: Generated<boolean>;
  new_member_held_posts: Generated<number>;
}

export type WatchedAction = 'block' | 'hold' | 'flag' | 'replace';
export const WATCHED_ACTIONS: readonly WatchedAction[] = ['block', 'hold', 'flag', 'replace'];
export interface WatchedWordsTable {
  id: Generated<number>;
  pattern: string;
  is_regex: ColumnType<boolean, boolean | undefined, boolean>;
  action: WatchedAction;
  replacement: ColumnType<string, string | undefined, string>;
  created_by: number | null;
  created_at: CreatedAt;
}

export interface ModerationCasesTable {
  id: Generated<number>;
  target_kind: string;
  target_id: number;
  origin: CaseOrigin;
  subject_user_id: number | null;
  state: ColumnType<CaseState, CaseState | undefined, CaseState>;
  assignee_id: number | null;
  score: Generated<number>;
  snapshot: ColumnType<Record<string, unknown>, string | undefined, string>;
  auto_hidden_at: Date | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  closed_at: Date | null;
  closed_by: number | null;
}

export interface ModerationReportsTable {
  id: Generated<number>;
  case_id: number;
  reporter_id: number;
  reason: ReportReason;
  comment: ColumnType<string, string | undefined, string>;
  weight: ColumnType<number, number | undefined, number>;
  snapshot: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: CreatedAt;
}

export interface ModerationNotesTable {
  id: Generated<number>;
  case_id: number | null;
  subject_user_id: number | null;
  author_id: number | null;
  body: string;
  created_at: CreatedAt;
}

export interface ModerationTemplatesTable {
  id: Generated<number>;
  title: string;
  body: string;
  created_at: CreatedAt;
  archived_at: Date | null;
}

export interface ModerationSanctionsTable {
  id: Generated<number>;
  user_id: number;
  kind: SanctionKind;
  reason: string;
  case_id: number | null;
  created_by: number | null;
  created_at: CreatedAt;
  /** null: indefinite (suspension) or until lifted */
  ends_at: Date | null;
  acknowledged_at: Date | null;
  appeal_text: string | null;
  appealed_at: Date | null;
  lifted_at: Date | null;
  lifted_by: number | null;
  lift_reason: string | null;
}

export interface ModerationDatabase {
  moderation_settings: ModerationSettingsTable;
  moderation_cases: ModerationCasesTable;
  moderation_reports: ModerationReportsTable;
  moderation_notes: ModerationNotesTable;
  moderation_templates: ModerationTemplatesTable;
  moderation_sanctions: ModerationSanctionsTable;
  member_blocks: MemberBlocksTable;
  watched_words: WatchedWordsTable;
}

export type BlockKind = 'block' | 'mute';
export interface MemberBlocksTable {
  blocker_id: number;
  blocked_id: number;
  kind: BlockKind;
  created_at: CreatedAt;
}
export type ModerationCase = Selectable<ModerationCasesTable>;
export type ModerationSanction = Selectable<ModerationSanctionsTable>;
export type ModerationSettings = Selectable<ModerationSettingsTable>;
export interface LiveEventsTable {
  id: Generated<number>;
  channel: string;
  kind: string;
  subject_id: number;
  created_at: CreatedAt;
}

export interface NotificationMutesTable {
  user_id: number;
  kind: string;
}
