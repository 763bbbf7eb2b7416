// Moderation tables: cases (one open per target and origin), reports, notes, sanctions,
// templates, settings; and the hide/hold marks on posts and comments.
import { sql, type SqlBool } from 'kysely';
import type { Executor } from '../db/executor.ts';
import { insertNotifications } from './notifications.ts';
import type { CaseOrigin, CaseState, ModerationCase, ModerationSanction, ModerationSettings, ReportReason, SanctionKind } from '../db/schema.ts';
import { olderThan, type Cursor } from '../db/pagination.ts';

export const ACTIVE_STATES: readonly CaseState[] = ['open', 'in_progress'];

// ---- settings and templates ---------------------------------------------------------------

export async function getModerationSettings(db: Executor): Promise<ModerationSettings> {
  return db.selectFrom('moderation_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
}

/** Writes the settings given (the admin form's thresholds, or the new members' safety rules). */
export async function updateModerationSettings(db: Executor, values: Partial<Omit<ModerationSettings, 'id' | 'updated_at'>>, now: Date): Promise<void> {
  await db.updateTable('moderation_settings').set({ ...values, updated_at: now }).where('id', '=', 1).execute();
}

export async function listTemplates(db: Executor, opts: { withArchived?: boolean } = {}) {
  let q = db.selectFrom('moderation_templates').selectAll();
  if (!opts.withArchived) q = q.where('archived_at', 'is', null);
  return q.orderBy('id').limit(200).execute();
}

export async function findTemplate(db: Executor, id: number) {
  return db.selectFrom('moderation_templates').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertTemplate(db: Executor, title: string, body: string) {
  return db.insertInto('moderation_templates').values({ title, body }).returningAll().executeTakeFirstOrThrow();
}

export async function updateTemplate(db: Executor, id: number, values: { title?: string; body?: string; archived_at?: Date | null }): Promise<boolean> {
  const res = await db.updateTable('moderation_templates').set(values).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

// ---- cases and reports --------------------------------------------------------------------

/** The case being handled for this target and origin, created when there is none. */
export async function openCase(
  db: Executor,
  c: { targetKind: string; targetId: number; origin: CaseOrigin; subjectUserId: number | null; snapshot: Record<string, unknown> },
): Promise<ModerationCase> {
  const found = await findActiveCase(db, c.targetKind, c.targetId, c.origin);
  if (found) return found;
  const inserted = await db
    .insertInto('moderation_cases')
    .values({ target_kind: c.targetKind, target_id: c.targetId, origin: c.origin, subject_user_id: c.subjectUserId, snapshot: JSON.stringify(c.snapshot) })
    // The arbiter is the partial unique index on active cases: its predicate is written out (not
    // parameters) so Postgres can match the index under a generic plan of the prepared statement.
    .onConflict((oc) => oc.columns(['target_kind', 'target_id', 'origin']).where(sql<SqlBool>`state in ('open', 'in_progress')`).doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted ?? (await findActiveCase(db, c.targetKind, c.targetId, c.origin))!;
}

export async function findActiveCase(db: Executor, kind: string, id: number, origin: CaseOrigin): Promise<ModerationCase | undefined> {
  return db
    .selectFrom('moderation_cases')
    .selectAll()
    .where('target_kind', '=', kind)
    .where('target_id', '=', id)
    .where('origin', '=', origin)
    .where('state', 'in', [...ACTIVE_STATES])
    .executeTakeFirst();
}

export async function findCase(db: Executor, id: number): Promise<ModerationCase | undefined> {
  return db.selectFrom('moderation_cases').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Answers false when this member already reported this case. */
export async function insertReport(
  db: Executor,
  r: { caseId: number; reporterId: number; reason: ReportReason; comment: string; weight: number; snapshot: Record<string, unknown> },
): Promise<boolean> {
  const row = await db
    .insertInto('moderation_reports')
    .values({ case_id: r.caseId, reporter_id: r.reporterId, reason: r.reason, comment: r.comment, weight: r.weight, snapshot: JSON.stringify(r.snapshot) })
    .onConflict((oc) => oc.columns(['case_id', 'reporter_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return !!row;
}

export async function addCaseScore(db: Executor, caseId: number, weight: number, now: Date): Promise<number> {
  const row = await db
    .updateTable('moderation_cases')
    .set({ score: sql`score + ${weight}`, updated_at: now } as never)
    .where('id', '=', caseId)
    .returning('score')
    .executeTakeFirstOrThrow();
  return row.score;
}

export async function countRecentReports(db: Executor, reporterId: number, since: Date): Promise<number> {
  const row = await db
    .selectFrom('moderation_reports')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('reporter_id', '=', reporterId)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateCase(
  db: Executor,
  id: number,
  values: Partial<{ state: CaseState; assignee_id: number | null; auto_hidden_at: Date | null; closed_at: Date | null; closed_by: number | null }>,
  now: Date,
): Promise<void> {
  await db.updateTable('moderation_cases').set({ ...values, updated_at: now }).where('id', '=', id).execute();
}

/** Closes every case being handled about this target (the content is gone or was decided on). */
export async function closeCasesOf(db: Executor, kind: string, id: number, state: 'resolved' | 'rejected', by: number, now: Date): Promise<void> {
  await db
    .updateTable('moderation_cases')
    .set({ state, closed_at: now, closed_by: by, updated_at: now })
    .where('target_kind', '=', kind)
    .where('target_id', '=', id)
    .where('state', 'in', [...ACTIVE_STATES])
    .execute();
}

export interface QueueFilter {
  states: readonly CaseState[];
  reason?: ReportReason;
  /** a member id, or 'none' for unassigned */
  assignee?: number | 'none';
  origin?: CaseOrigin;
}

export type CaseListRow = ModerationCase & {
  subject_handle: string | null;
  assignee_handle: string | null;
  report_count: number;
  reasons: string[] | null;
};

export async function listCases(db: Executor, filter: QueueFilter, limit: number, before?: Cursor): Promise<CaseListRow[]> {
  let q = db
    .selectFrom('moderation_cases as c')
    .leftJoin('users as s', 's.id', 'c.subject_user_id')
    .leftJoin('users as a', 'a.id', 'c.assignee_id')
    .selectAll('c')
    .select(['s.handle as subject_handle', 'a.handle as assignee_handle'])
    .select(sql<number>`(select count(*) from moderation_reports r where r.case_id = c.id)`.as('report_count'))
    .select(sql<string[] | null>`(select array_agg(distinct r.reason) from moderation_reports r where r.case_id = c.id)`.as('reasons'))
    .where('c.state', 'in', [...filter.states]);
  if (filter.origin) q = q.where('c.origin', '=', filter.origin);
  if (filter.assignee === 'none') q = q.where('c.assignee_id', 'is', null);
  else if (filter.assignee !== undefined) q = q.where('c.assignee_id', '=', filter.assignee);
  if (filter.reason) {
    const reason = filter.reason;
    q = q.where((eb) => eb.exists(eb.selectFrom('moderation_reports as r').select(sql`1`.as('one')).whereRef('r.case_id', '=', 'c.id').where('r.reason', '=', reason)));
  }
  if (before) q = q.where(olderThan('c.created_at', 'c.id', before));
  return q.orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(limit).execute() as Promise<CaseListRow[]>;
}

export async function countActiveCases(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('moderation_cases')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', 'in', [...ACTIVE_STATES])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listCaseReports(db: Executor, caseId: number) {
  return db
    .selectFrom('moderation_reports as r')
    .innerJoin('users as u', 'u.id', 'r.reporter_id')
    .selectAll('r')
    .select(['u.handle as reporter_handle', 'u.trusted_at as reporter_trusted_at'])
    .where('r.case_id', '=', caseId)
    .orderBy('r.created_at')
    .orderBy('r.id')
    .limit(500)
    .execute();
}

/** A member's own reports, newest first, with the state of their case. */
export async function listReportsBy(db: Executor, reporterId: number, limit: number, before?: Cursor) {
  let q = db
    .selectFrom('moderation_reports as r')
    .innerJoin('moderation_cases as c', 'c.id', 'r.case_id')
    .select(['r.id', 'r.created_at', 'r.reason', 'r.comment', 'r.snapshot', 'c.target_kind', 'c.target_id', 'c.state', 'c.closed_at'])
    .where('r.reporter_id', '=', reporterId);
  if (before) q = q.where(olderThan('r.created_at', 'r.id', before));
  return q.orderBy('r.created_at', 'desc').orderBy('r.id', 'desc').limit(limit).execute();
}

// ---- notes --------------------------------------------------------------------------------

export async function insertNote(db: Executor, n: { caseId: number | null; subjectUserId: number | null; authorId: number; body: string }): Promise<void> {
  await db.insertInto('moderation_notes').values({ case_id: n.caseId, subject_user_id: n.subjectUserId, author_id: n.authorId, body: n.body }).execute();
}

export async function listNotes(db: Executor, where: { caseId: number } | { subjectUserId: number }) {
  let q = db
    .selectFrom('moderation_notes as n')
    .leftJoin('users as u', 'u.id', 'n.author_id')
    .selectAll('n')
    .select('u.handle as author_handle');
  q = 'caseId' in where ? q.where('n.case_id', '=', where.caseId) : q.where('n.subject_user_id', '=', where.subjectUserId);
  return q.orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').limit(200).execute();
}

// ---- member history -----------------------------------------------------------------------

export async function listCasesAbout(db: Executor, userId: number, limit = 50) {
  return db
    .selectFrom('moderation_cases as c')
    .select(['c.id', 'c.target_kind', 'c.target_id', 'c.origin', 'c.state', 'c.created_at', 'c.score'])
    .where('c.subject_user_id', '=', userId)
    .orderBy('c.created_at', 'desc')
    .limit(limit)
    .execute();
}

// ---- sanctions ----------------------------------------------------------------------------

export async function insertSanction(
  db: Executor,
  s: { userId: number; kind: SanctionKind; reason: string; caseId: number | null; createdBy: number; endsAt: Date | null },
): Promise<ModerationSanction> {
  return db
    .insertInto('moderation_sanctions')
    .values({ user_id: s.userId, kind: s.kind, reason: s.reason, case_id: s.caseId, created_by: s.createdBy, ends_at: s.endsAt })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findSanction(db: Executor, id: number): Promise<ModerationSanction | undefined> {
  return db.selectFrom('moderation_sanctions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listSanctionsOf(db: Executor, userId: number, limit = 100) {
  return db
    .selectFrom('moderation_sanctions as s')
    .leftJoin('users as b', 'b.id', 's.created_by')
    .selectAll('s')
    .select('b.handle as created_by_handle')
    .where('s.user_id', '=', userId)
    .orderBy('s.created_at', 'desc')
    .orderBy('s.id', 'desc')
    .limit(limit)
    .execute();
}

/** Answers false when the sanction was already lifted. */
export async function liftSanction(db: Executor, id: number, by: number, reason: string, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('moderation_sanctions')
    .set({ lifted_at: now, lifted_by: by, lift_reason: reason })
    .where('id', '=', id)
    .where('lifted_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function acknowledgeSanction(db: Executor, id: number, userId: number, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('moderation_sanctions')
    .set({ acknowledged_at: now })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** One appeal per sanction: answers false when it was already appealed or lifted. */
export async function recordAppeal(db: Executor, id: number, userId: number, text: string, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('moderation_sanctions')
    .set({ appeal_text: text, appealed_at: now })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('appealed_at', 'is', null)
    .where('lifted_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function hasActiveSanction(db: Executor, userId: number, kind: SanctionKind, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('moderation_sanctions')
    .select('id')
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .where('lifted_at', 'is', null)
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
    .executeTakeFirst();
  return !!row;
}

export async function setTrusted(db: Executor, userId: number, trusted: Date | null): Promise<void> {
  await db.updateTable('users').set({ trusted_at: trusted }).where('id', '=', userId).execute();
}

/** Active moderators and admins (they are few), for notifications. */
export async function listModeratorIds(db: Executor): Promise<number[]> {
  const rows = await db.selectFrom('users').select('id').where('role', 'in', ['moderator', 'admin']).where('status', '=', 'active').limit(500).execute();
  return rows.map((r) => r.id);
}

export async function insertModerationNotifications(db: Executor, userIds: number[], caseId: number): Promise<void> {
  await insertNotifications(db, userIds.map((userId) => ({ userId, kind: 'moderation_auto_hidden' as const, actorId: null, moderationCaseId: caseId })));
}

// ---- hide / hold marks --------------------------------------------------------------------

/** What moderation can hide: each of these tables has hidden_at, hidden_reason and hidden_by. */
export type HideableTable = 'posts' | 'comments' | 'topics' | 'topic_replies';

/** Hides (or, with null, shows again) one row; answers false when it already was (not). */
export async function setHidden(db: Executor, table: HideableTable, id: number, hidden: { at: Date; reason: string; by: number | null } | null): Promise<boolean> {
  let q = db
    .updateTable(table as 'posts')
    .set(hidden ? { hidden_at: hidden.at, hidden_reason: hidden.reason, hidden_by: hidden.by } : { hidden_at: null, hidden_reason: null, hidden_by: null })
    .where('id', '=', id);
  q = hidden ? q.where('hidden_at', 'is', null) : q.where('hidden_at', 'is not', null);
  return Number((await q.executeTakeFirst()).numUpdatedRows) > 0;
}

export async function releaseHeldPost(db: Executor, id: number): Promise<boolean> {
  const res = await db.updateTable('posts').set({ held_at: null }).where('id', '=', id).where('held_at', 'is not', null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function holdPost(db: Executor, id: number, at: Date): Promise<void> {
  await db.updateTable('posts').set({ held_at: at }).where('id', '=', id).execute();
}

/** Replies of a comment that are not hidden themselves (they leave the count with their parent). */
export async function countShownReplies(db: Executor, parentId: number): Promise<number> {
  const row = await db
    .selectFrom('comments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('parent_id', '=', parentId)
    .where('hidden_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ---- new-member safety and watched words ----------------------------------------------------

export async function listWatchedWords(db: Executor) {
  return db.selectFrom('watched_words').selectAll().orderBy('id').limit(1000).execute();
}

export async function insertWatchedWord(db: Executor, w: { pattern: string; isRegex: boolean; action: 'block' | 'hold' | 'flag' | 'replace'; replacement: string; createdBy: number }) {
  return db
    .insertInto('watched_words')
    .values({ pattern: w.pattern, is_regex: w.isRegex, action: w.action, replacement: w.replacement, created_by: w.createdBy })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteWatchedWord(db: Executor, id: number) {
  return db.deleteFrom('watched_words').where('id', '=', id).returningAll().executeTakeFirst();
}

/** When the member last published (post or comment), for the new members' minimum delay. */
export async function lastWritingAt(db: Executor, userId: number): Promise<Date | null> {
  const { rows } = await sql<{ at: Date | null }>`
    select greatest(
      (select max(created_at) from posts where author_id = ${userId}),
      (select max(created_at) from comments where author_id = ${userId}),
      (select max(created_at) from topics where author_id = ${userId}),
      (select max(created_at) from topic_replies where author_id = ${userId})
    ) as at`.execute(db);
  const at = rows[0]?.at;
  return at ? new Date(at) : null;
}

export async function countPostsBy(db: Executor, userId: number): Promise<number> {
  const row = await db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).where('author_id', '=', userId).executeTakeFirstOrThrow();
  return Number(row.n);
}
