// Profiles (one row per account, created with it), their tags, and the admin-defined profile
// questions with members' answers.
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { Profile, ProfileLink, ProfileQuestion, ProfileTagKind, Role, UserStatus, WallPolicy } from '../db/schema.ts';

/** A member as their profile page shows them: the account facts and the profile row. */
export interface ProfileRow extends Profile {
  id: number;
  handle: string;
  display_name: string;
  role: Role;
  status: UserStatus;
  created_at: Date;
}

function profileQuery(db: Executor) {
  return db
    .selectFrom('users')
    .innerJoin('profiles', 'profiles.user_id', 'users.id')
    .select(['users.id', 'users.handle', 'users.display_name', 'users.role', 'users.status', 'users.created_at'])
    .selectAll('profiles');
}

/** Handles are matched in any letter case (the users_handle_lower_key index). */
export async function findProfileByHandle(db: Executor, handle: string): Promise<ProfileRow | undefined> {
  return profileQuery(db).where(sql`lower(users.handle)`, '=', handle.toLowerCase()).executeTakeFirst();
}

export async function findProfileByUserId(db: Executor, userId: number): Promise<ProfileRow | undefined> {
  return profileQuery(db).where('users.id', '=', userId).executeTakeFirst();
}

export interface ProfileTagRow {
  kind: ProfileTagKind;
  tag: string;
}

export async function listProfileTags(db: Executor, userId: number): Promise<ProfileTagRow[]> {
  return db.selectFrom('profile_tags').select(['kind', 'tag']).where('user_id', '=', userId).orderBy('kind').orderBy('position').execute();
}

export async function replaceProfileTags(db: Executor, userId: number, kind: ProfileTagKind, tags: readonly string[]): Promise<void> {
  await db.deleteFrom('profile_tags').where('user_id', '=', userId).where('kind', '=', kind).execute();
  if (tags.length === 0) return;
  await db
    .insertInto('profile_tags')
    .values(tags.map((tag, position) => ({ user_id: userId, kind, tag, position })))
    .execute();
}

export interface ProfileValues {
  bio: string;
  pronouns: string;
  location: string;
  links: ProfileLink[];
  wall_policy: WallPolicy;
}

export async function updateProfile(db: Executor, userId: number, values: ProfileValues): Promise<void> {
  await db
    .updateTable('profiles')
    .set({ ...values, links: JSON.stringify(values.links), updated_at: new Date() })
    .where('user_id', '=', userId)
    .execute();
}

/** The display name lives on the account (sessions and every page read it there). */
export async function updateDisplayName(db: Executor, userId: number, displayName: string): Promise<void> {
  await db.updateTable('users').set({ display_name: displayName }).where('id', '=', userId).execute();
}

/**
 * Sets (or clears) the avatar and answers the key it replaced. The row is locked first, so two
 * uploads at once each get the key the other one replaced, and no file is left orphaned.
 */
export async function swapAvatarKey(db: Executor, userId: number, key: string | null): Promise<{ previous: string | null } | undefined> {
  const row = await db.selectFrom('profiles').select('avatar_key').where('user_id', '=', userId).forUpdate().executeTakeFirst();
  if (!row) return undefined;
  await db.updateTable('profiles').set({ avatar_key: key, updated_at: new Date() }).where('user_id', '=', userId).execute();
  return { previous: row.avatar_key };
}

// ---- profile questions ----------------------------------------------------------------

export interface NewProfileQuestion {
  label_fr: string;
  label_en: string;
  kind: 'text' | 'choice';
  choices: string[];
  required: boolean;
  position: number;
}

const questionsQuery = (db: Executor) => db.selectFrom('profile_questions').selectAll();
const questionOrder = (q: ReturnType<typeof questionsQuery>) => q.orderBy('position').orderBy('id');

/** Questions members answer (not archived), in the admin's order. */
export async function listActiveQuestions(db: Executor): Promise<ProfileQuestion[]> {
  return questionOrder(questionsQuery(db).where('archived_at', 'is', null)).execute();
}

/** Every question, archived ones last. */
export async function listAllQuestions(db: Executor): Promise<ProfileQuestion[]> {
  return questionOrder(questionsQuery(db).orderBy(sql`archived_at is not null`)).execute();
}

export async function findQuestion(db: Executor, id: number): Promise<ProfileQuestion | undefined> {
  return questionsQuery(db).where('id', '=', id).executeTakeFirst();
}

export async function insertQuestion(db: Executor, q: NewProfileQuestion): Promise<ProfileQuestion> {
  return db
    .insertInto('profile_questions')
    .values({ ...q, choices: JSON.stringify(q.choices) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateQuestion(db: Executor, id: number, q: NewProfileQuestion): Promise<ProfileQuestion | undefined> {
  return db
    .updateTable('profile_questions')
    .set({ ...q, choices: JSON.stringify(q.choices) })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Archived questions leave the forms and profile pages; their answers are kept. */
export async function setQuestionArchived(db: Executor, id: number, archivedAt: Date | null): Promise<boolean> {
  const result = await db.updateTable('profile_questions').set({ archived_at: archivedAt }).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export interface AnswerRow {
  question_id: number;
  answer: string;
}

export async function listAnswers(db: Executor, userId: number): Promise<AnswerRow[]> {
  return db.selectFrom('profile_answers').select(['question_id', 'answer']).where('user_id', '=', userId).execute();
}

/** Writes the given answers; an empty answer removes the stored one. */
export async function saveAnswers(db: Executor, userId: number, answers: ReadonlyMap<number, string>): Promise<void> {
  const filled = [...answers].filter(([, a]) => a !== '');
  const emptied = [...answers].filter(([, a]) => a === '').map(([id]) => id);
  if (emptied.length > 0) {
    await db.deleteFrom('profile_answers').where('user_id', '=', userId).where('question_id', 'in', emptied).execute();
  }
  if (filled.length > 0) {
    await db
      .insertInto('profile_answers')
      .values(filled.map(([question_id, answer]) => ({ user_id: userId, question_id, answer })))
      .onConflict((oc) => oc.columns(['user_id', 'question_id']).doUpdateSet({ answer: (eb) => eb.ref('excluded.answer') }))
      .execute();
  }
}
