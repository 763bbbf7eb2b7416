// Typed view of the tables, kept in step with migrations/. Columns with database defaults are
// Generated<> so inserts may omit them.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

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

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  instance_settings: InstanceSettingsTable;
  invitations: InvitationsTable;
  audit_events: AuditEventsTable;
  login_throttles: LoginThrottlesTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type InstanceSettings = Selectable<InstanceSettingsTable>;
export type Invitation = Selectable<InvitationsTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
