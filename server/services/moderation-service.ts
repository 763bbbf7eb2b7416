// Moderation: reports, the one review queue, content actions, graded sanctions and appeals.
// Rules that are not obvious:
// - A report joins the case being handled for its target (one per target and origin); a member
//   reports a target once while its case is open. The reporter is never shown to the reported.
// - Each report adds its weight (trusted members and moderators weigh more) to the case's score;
//   at the configured score the content is hidden pending review and moderators are notified.
// - Whether content is hidden for a viewer is decided in one place (isHiddenFor, policies).
// - Every moderator and admin action writes an audit event in the same transaction (before and
//   after, never secrets); cache tags are dropped after the commit.
// - A suspension ends every session of the member at once (revokeAllSessions).
import { NotFoundError, ValidationError, type FieldError } from '../errors.ts';
import { decodeCursor, toPage, type Page } from '../db/pagination.ts';
import {
  CASE_ORIGINS,
  CASE_STATES,
  REPORT_REASONS,
  SANCTION_KINDS,
  type CaseOrigin,
  type CaseState,
  type ModerationCase,
  type ModerationSanction,
  type ReportReason,
  type SanctionKind,
  type User,
  WATCHED_ACTIONS,
  type WatchedAction,
} from '../db/schema.ts';
import {
  acknowledgeSanction,
  addCaseScore,
  closeCasesOf,
  countActiveCases,
  countRecentReports,
  findCase,
  findSanction,
  findTemplate,
  getModerationSettings,
  insertModerationNotifications,
  insertNote,
  insertReport,
  insertSanction,
  insertTemplate,
  liftSanction,
  listCaseReports,
  listCases,
  listCasesAbout,
  listModeratorIds,
  listNotes,
  listReportsBy,
  listSanctionsOf,
  listTemplates,
  openCase,
  recordAppeal,
  setTrusted,
  updateCase,
  updateModerationSettings,
  updateTemplate,
  listWatchedWords,
  insertWatchedWord,
  deleteWatchedWord,
  type CaseListRow,
  type QueueFilter,
} from '../repos/moderation.ts';
import { findUserByHandle, findUserById, listPendingUsers } from '../repos/users.ts';
import { canManageModerationSettings, canModerate, canReport, canSanction, isActive } from '../policies/index.ts';
import type { Executor } from '../db/executor.ts';
import { audit, type AuditAction } from './audit-service.ts';
import type { CachingDeps, RequestMeta, Viewer } from './context.ts';
import { dropCachedSessions, revokeAllSessions, sessionsChanged } from './session-service.ts';
import { cacheTags } from './content-cache.ts';
import type { ContentAction, TargetInfo, TargetRegistry } from './moderation/targets.ts';
import { assertValid, checkText, clean, intInRange } from './validation.ts';
import { applyWatched, matchWatched, watchedExpression } from './moderation/screening.ts';

const PAGE_SIZE = 30;
const COMMENT_MAX = 1000;
const REASON_MAX = 2000;
const DAY_MS = 86_400_000;
export const DURATIONS = ['1d', '3d', '7d', '30d', '90d', '365d', 'indefinite'] as const;
export type Duration = (typeof DURATIONS)[number];
/** Shown as the hide reason when the reports' score hid the content. */
export const AUTO_HIDE_REASON = 'auto';

type SettingsValues = Parameters<typeof updateModerationSettings>[1];

/** Whole numbers typed in a settings form, each within its range; or one ValidationError naming every field out of range. */
function readInts<F extends string>(input: Record<string, string | undefined>, ranges: Record<F, { min: number; max: number }>): Record<F, number> {
  const values = {} as Record<F, number>;
  const errors: Record<string, FieldError> = {};
  for (const [field, range] of Object.entries(ranges) as [F, { min: number; max: number }][]) {
    const n = intInRange(input[field], range);
    if (n === undefined) errors[field] = { key: 'moderation.settings.errors.range', params: range };
    else values[field] = n;
  }
  assertValid(errors);
  return values;
}

export interface ReportInput {
  reason?: string;
  comment?: string;
}

export interface SanctionInput {
  kind?: string;
  duration?: string;
  templateId?: string;
  reason?: string;
}

/** Hook for the live layer: called after commit when the queue's open count may have changed. */
export type QueueChanged = () => Promise<void>;

export function createModerationService(deps: CachingDeps & { targets: TargetRegistry; onQueueChanged?: QueueChanged }) {
  const { db, cache, targets } = deps;
  const now = () => deps.now?.() ?? new Date();
  const queueChanged = async () => deps.onQueueChanged?.();

  function requireModerator(viewer: Viewer | null): Viewer {
    if (!canModerate(viewer)) throw new NotFoundError('moderation');
    return viewer;
  }

  async function loadCase(viewer: Viewer | null, id: number): Promise<{ mod: Viewer; c: ModerationCase }> {
    const mod = requireModerator(viewer);
    const c = await findCase(db, id);
    if (!c) throw new NotFoundError('case');
    return { mod, c };
  }

  /** Hides, shows again or deletes a target inside trx; answers the cache tags to drop, or null if nothing changed. */
  async function applyContentAction(trx: Executor, kind: string, id: number, action: ContentAction, by: number | null, reason: string): Promise<{ tags: string[]; info: TargetInfo; after?: () => Promise<void> } | null> {
    const target = targets.get(kind);
    if (!target) return null;
    const info = await target.load(trx, id);
    if (!info) return null;
    let changed = false;
    if (action === 'hide' && target.hide) changed = await target.hide(trx, id, { at: now(), reason, by });
    else if (action === 'unhide' && target.unhide) changed = await target.unhide(trx, id);
    else if (action === 'delete' && target.remove) changed = await target.remove(trx, id);
    if (!changed) return null;
    return { tags: target.tags(info, id), info, ...(action === 'delete' && target.afterRemove ? { after: () => target.afterRemove!(id, info) } : {}) };
  }

  /** What the case page shows of its subject (the member page adds the notes). */
  async function summaryOf(user: User) {
    return {
      user,
      ageDays: Math.floor((now().getTime() - user.created_at.getTime()) / DAY_MS),
      sanctions: await listSanctionsOf(db, user.id),
      cases: await listCasesAbout(db, user.id),
    };
  }

  /** Writes some moderation settings, auditing each one's value before and after. */
  async function writeSettings(admin: Viewer, values: SettingsValues, meta: RequestMeta): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const before = await getModerationSettings(trx);
      await updateModerationSettings(trx, values, now());
      await audit(trx, 'admin.moderation_settings_changed', meta, {
        actorId: admin.id,
        details: { before: Object.fromEntries(Object.keys(values).map((k) => [k, before[k as keyof SettingsValues]])), after: values },
      });
    });
  }

  function checkReason(raw: string | undefined, required: boolean): string {
    const reason = clean(raw);
    assertValid({ reason: checkText(reason, { required, max: REASON_MAX, multiline: true }) });
    return reason;
  }

  return {
    targets,

    // ---- reporting (members) ----------------------------------------------------------

    /** What a member is about to report, or "not found" when they may not see or report it. */
    async reportable(viewer: Viewer | null, kind: string, id: number): Promise<TargetInfo> {
      if (!isActive(viewer)) throw new NotFoundError('target');
      const target = targets.get(kind);
      const info = target ? await target.loadFor(viewer, id) : undefined;
      if (!info || !canReport(viewer, info)) throw new NotFoundError('target');
      return info;
    },

    async report(viewer: Viewer | null, kind: string, id: number, input: ReportInput): Promise<{ caseId: number }> {
      const info = await this.reportable(viewer, kind, id);
      const member = viewer!;
      const reason = input.reason ?? '';
      const comment = clean(input.comment);
      assertValid({
        reason: (REPORT_REASONS as readonly string[]).includes(reason) ? undefined : { key: 'moderation.report.errors.reason' },
        comment: checkText(comment, { max: COMMENT_MAX, multiline: true }),
      });
      const settings = await getModerationSettings(db);
      if ((await countRecentReports(db, member.id, new Date(now().getTime() - 3_600_000))) >= settings.reports_per_hour) {
        throw new ValidationError({ form: { key: 'moderation.report.errors.tooMany', params: { max: settings.reports_per_hour } } });
      }
      const user = await findUserById(db, member.id);
      const weight = user?.trusted_at || canModerate(member) ? settings.trusted_weight : 1;
      const result = await db.transaction().execute(async (trx) => {
        const c = await openCase(trx, { targetKind: kind, targetId: id, origin: 'reports', subjectUserId: info.authorId, snapshot: info.snapshot });
        if (!(await insertReport(trx, { caseId: c.id, reporterId: member.id, reason: reason as ReportReason, comment, weight, snapshot: info.snapshot }))) {
          throw new ValidationError({ form: { key: 'moderation.report.errors.already' } });
        }
        const score = await addCaseScore(trx, c.id, weight, now());
        let tags: string[] = [];
        if (score >= settings.auto_hide_score && !c.auto_hidden_at && !info.hidden) {
          const done = await applyContentAction(trx, kind, id, 'hide', null, AUTO_HIDE_REASON);
          if (done) {
            tags = done.tags;
            await updateCase(trx, c.id, { auto_hidden_at: now() }, now());
            await insertModerationNotifications(trx, await listModeratorIds(trx), c.id);
            await audit(trx, 'moderation.auto_hidden', undefined, { targetUserId: info.authorId, details: { caseId: c.id, target: `${kind}:${id}`, score, threshold: settings.auto_hide_score } });
          }
        }
        return { caseId: c.id, tags };
      });
      if (result.tags.length) cache.invalidate(result.tags);
      await queueChanged();
      return { caseId: result.caseId };
    },

    async myReports(viewer: Viewer | null, cursor: string | undefined) {
      if (!isActive(viewer)) throw new NotFoundError('reports');
      return toPage(await listReportsBy(db, viewer.id, PAGE_SIZE + 1, decodeCursor(cursor)), PAGE_SIZE);
    },

    // ---- the queue ----------------------------------------------------------------------

    /** Cases being handled, for the header badge of moderators (undefined for everybody else). */
    async openCount(viewer: Viewer | null): Promise<number | undefined> {
      if (!canModerate(viewer)) return undefined;
      return countActiveCases(db);
    },

    async queue(
      viewer: Viewer | null,
      q: { state?: string; reason?: string; assignee?: string; origin?: string },
      cursor: string | undefined,
    ): Promise<{ page: Page<CaseListRow>; pending: User[] }> {
      const mod = requireModerator(viewer);
      const filter: QueueFilter = {
        states: q.state && q.state !== 'active' && (CASE_STATES as readonly string[]).includes(q.state) ? [q.state as CaseState] : ['open', 'in_progress'],
      };
      if (q.reason && (REPORT_REASONS as readonly string[]).includes(q.reason)) filter.reason = q.reason as ReportReason;
      if (q.assignee === 'me') filter.assignee = mod.id;
      else if (q.assignee === 'none') filter.assignee = 'none';
      if (q.origin && (CASE_ORIGINS as readonly string[]).includes(q.origin)) filter.origin = q.origin as CaseOrigin;
      const rows = await listCases(db, filter, PAGE_SIZE + 1, decodeCursor(cursor));
      const pending = cursor ? [] : await listPendingUsers(db, 20);
      // The open count is the layout's (moderationCount): not counted a second time here.
      return { page: toPage(rows, PAGE_SIZE), pending };
    },

    async caseDetail(viewer: Viewer | null, id: number) {
      const { c } = await loadCase(viewer, id);
      const target = targets.get(c.target_kind);
      const current = target ? await target.load(db, c.target_id) : undefined;
      const sanction = c.origin === 'appeal' ? await findSanction(db, c.target_id) : undefined;
      const subjectUser = c.subject_user_id ? await findUserById(db, c.subject_user_id) : undefined;
      const subject = subjectUser ? await summaryOf(subjectUser) : null;
      return {
        c,
        // The same rule as the member page: not oneself, and only an admin sanctions a moderator or an admin.
        canSanction: !!subject && canSanction(viewer, subject.user),
        reports: await listCaseReports(db, c.id),
        notes: await listNotes(db, { caseId: c.id }),
        current: current ?? null,
        sanction: sanction ?? null,
        subject,
        templates: await listTemplates(db),
        actions: {
          hide: !!target?.hide && !!current && !current.hidden,
          unhide: !!target?.unhide && !!current && current.hidden,
          delete: !!target?.remove && !!current,
          approve: c.origin === 'held' && !!target?.approve && !!current?.held,
        },
      };
    },

    /** The member behind a handle (moderators), for the forms sent from the member and case pages. */
    async memberByHandle(viewer: Viewer | null, handle: string): Promise<User> {
      requireModerator(viewer);
      const user = /^[A-Za-z0-9_]{1,30}$/.test(handle) ? await findUserByHandle(db, handle) : undefined;
      if (!user) throw new NotFoundError('member');
      return user;
    },

    /** A member's moderation history in one place (moderators): the member page. */
    async memberHistory(viewer: Viewer | null, handle: string) {
      const user = await this.memberByHandle(viewer, handle);
      return { ...(await summaryOf(user)), notes: await listNotes(db, { subjectUserId: user.id }), templates: await listTemplates(db), canSanction: canSanction(viewer, user) };
    },

    async assign(viewer: Viewer | null, id: number, to: 'me' | 'none', meta: RequestMeta): Promise<void> {
      const { mod, c } = await loadCase(viewer, id);
      const assignee = to === 'me' ? mod.id : null;
      await db.transaction().execute(async (trx) => {
        await updateCase(trx, c.id, { assignee_id: assignee, ...(c.state === 'open' && assignee ? { state: 'in_progress' as const } : {}) }, now());
        await audit(trx, 'moderation.case_assigned', meta, { actorId: mod.id, targetUserId: c.subject_user_id, details: { caseId: c.id, before: c.assignee_id, after: assignee } });
      });
      // Open and in progress both count as waiting: the moderators' count does not move.
    },

    async setState(viewer: Viewer | null, id: number, state: string, note: string | undefined, meta: RequestMeta): Promise<void> {
      const { mod, c } = await loadCase(viewer, id);
      if (!(CASE_STATES as readonly string[]).includes(state)) throw new ValidationError({ state: { key: 'validation.choice' } });
      const body = checkReason(note, false);
      const s = state as CaseState;
      const closing = s === 'resolved' || s === 'rejected';
      await db.transaction().execute(async (trx) => {
        await updateCase(trx, c.id, { state: s, closed_at: closing ? now() : null, closed_by: closing ? mod.id : null }, now());
        if (body) await insertNote(trx, { caseId: c.id, subjectUserId: c.subject_user_id, authorId: mod.id, body });
        await audit(trx, 'moderation.case_state_changed', meta, { actorId: mod.id, targetUserId: c.subject_user_id, details: { caseId: c.id, before: c.state, after: s, reason: body } });
      });
      await queueChanged();
    },

    async addNote(viewer: Viewer | null, id: number, raw: string | undefined, meta: RequestMeta): Promise<void> {
      const { mod, c } = await loadCase(viewer, id);
      const body = clean(raw);
      assertValid({ note: checkText(body, { required: true, max: REASON_MAX, multiline: true }) });
      await db.transaction().execute(async (trx) => {
        await insertNote(trx, { caseId: c.id, subjectUserId: c.subject_user_id, authorId: mod.id, body });
        await audit(trx, 'moderation.note_added', meta, { actorId: mod.id, targetUserId: c.subject_user_id, details: { caseId: c.id } });
      });
    },

    /** Hide, show again, delete or (held posts) approve the content of a case. */
    async actOnCase(viewer: Viewer | null, id: number, action: string, rawReason: string | undefined, meta: RequestMeta): Promise<void> {
      const { mod, c } = await loadCase(viewer, id);
      if (!['hide', 'unhide', 'delete', 'approve'].includes(action)) throw new ValidationError({ action: { key: 'validation.choice' } });
      const reason = checkReason(rawReason, action === 'hide');
      let after: (() => Promise<void>) | undefined;
      const tags = await db.transaction().execute(async (trx) => {
        if (action === 'approve') {
          const approve = targets.get(c.target_kind)?.approve;
          if (c.origin !== 'held' || !approve || !(await approve(trx, c.target_id))) throw new NotFoundError('held post');
          await closeCasesOf(trx, c.target_kind, c.target_id, 'resolved', mod.id, now());
          const info = await targets.get(c.target_kind)?.load(trx, c.target_id);
          await audit(trx, 'moderation.held_post_approved', meta, { actorId: mod.id, targetUserId: c.subject_user_id, details: { caseId: c.id, target: `${c.target_kind}:${c.target_id}`, before: { held: true }, after: { held: false } } });
          return info ? targets.get(c.target_kind)!.tags(info, c.target_id) : [];
        }
        const done = await applyContentAction(trx, c.target_kind, c.target_id, action as ContentAction, mod.id, reason);
        if (!done) throw new ValidationError({ form: { key: 'moderation.case.errors.nothingToDo' } });
        after = done.after;
        if (action === 'delete') await closeCasesOf(trx, c.target_kind, c.target_id, 'resolved', mod.id, now());
        else if (c.state === 'open') await updateCase(trx, c.id, { state: 'in_progress', assignee_id: c.assignee_id ?? mod.id }, now());
        const auditAction: AuditAction = action === 'hide' ? 'moderation.content_hidden' : action === 'unhide' ? 'moderation.content_unhidden' : 'moderation.content_deleted';
        await audit(trx, auditAction, meta, {
          actorId: mod.id,
          targetUserId: done.info.authorId,
          details: {
            caseId: c.id,
            target: `${c.target_kind}:${c.target_id}`,
            reason,
            before: { hidden: done.info.hidden, ...(action === 'delete' ? { body: String(done.info.snapshot.body).slice(0, 500) } : {}) },
            after: action === 'delete' ? { deleted: true } : { hidden: action === 'hide' },
          },
        });
        return done.tags;
      });
      cache.invalidate(tags);
      await after?.();
      await queueChanged();
    },

    // ---- sanctions ----------------------------------------------------------------------

    /** `member` as memberByHandle answered it (not read again). */
    async sanction(viewer: Viewer | null, member: User, input: SanctionInput, caseId: number | null, meta: RequestMeta): Promise<ModerationSanction> {
      const mod = requireModerator(viewer);
      if (!canSanction(mod, member)) throw new ValidationError({ form: { key: 'moderation.sanction.errors.notAllowed' } });
      const kind = input.kind ?? '';
      const duration = input.duration ?? '';
      const template = input.templateId ? await findTemplate(db, Number(input.templateId)) : undefined;
      const typed = clean(input.reason);
      const reason = typed || template?.body || '';
      assertValid({
        kind: (SANCTION_KINDS as readonly string[]).includes(kind) ? undefined : { key: 'validation.choice' },
        duration: kind === 'warning' || (DURATIONS as readonly string[]).includes(duration) ? undefined : { key: 'validation.choice' },
        reason: checkText(reason, { required: true, max: REASON_MAX, multiline: true }),
      });
      const endsAt = kind === 'warning' || duration === 'indefinite' ? null : new Date(now().getTime() + Number.parseInt(duration, 10) * DAY_MS);
      const created = await db.transaction().execute(async (trx) => {
        const s = await insertSanction(trx, { userId: member.id, kind: kind as SanctionKind, reason, caseId, createdBy: mod.id, endsAt });
        // A suspension ends the sessions; a warning shows on the member's next page.
        const ended = kind === 'suspension' ? await revokeAllSessions(trx, member.id) : (await sessionsChanged(trx, member.id), 0);
        await audit(trx, 'moderation.sanction_created', meta, {
          actorId: mod.id,
          targetUserId: member.id,
          details: { sanctionId: s.id, kind, duration: kind === 'warning' ? null : duration, endsAt: endsAt?.toISOString() ?? null, reason, caseId, sessionsEnded: ended },
        });
        return s;
      });
      cache.invalidate([cacheTags.member(member.id)]);
      dropCachedSessions(cache, member.id);
      return created;
    },

    async lift(viewer: Viewer | null, sanctionId: number, rawReason: string | undefined, meta: RequestMeta): Promise<ModerationSanction> {
      const mod = requireModerator(viewer);
      const s = await findSanction(db, sanctionId);
      if (!s) throw new NotFoundError('sanction');
      const member = await findUserById(db, s.user_id);
      if (!member || !canSanction(mod, member)) throw new NotFoundError('sanction');
      const reason = checkReason(rawReason, false);
      await db.transaction().execute(async (trx) => {
        if (!(await liftSanction(trx, s.id, mod.id, reason, now()))) throw new ValidationError({ form: { key: 'moderation.sanction.errors.alreadyLifted' } });
        await sessionsChanged(trx, s.user_id);
        await closeCasesOf(trx, 'sanction', s.id, 'resolved', mod.id, now());
        await audit(trx, 'moderation.sanction_lifted', meta, {
          actorId: mod.id,
          targetUserId: s.user_id,
          details: { sanctionId: s.id, kind: s.kind, reason, before: { lifted: false, endsAt: s.ends_at?.toISOString() ?? null }, after: { lifted: true } },
        });
      });
      dropCachedSessions(cache, s.user_id);
      await queueChanged();
      return s;
    },

    /** `member` as memberByHandle answered it (not read again). */
    async setTrusted(viewer: Viewer | null, member: User, trusted: boolean, meta: RequestMeta): Promise<void> {
      const mod = requireModerator(viewer);
      await db.transaction().execute(async (trx) => {
        await setTrusted(trx, member.id, trusted ? now() : null);
        await audit(trx, trusted ? 'moderation.member_trusted' : 'moderation.member_untrusted', meta, {
          actorId: mod.id,
          targetUserId: member.id,
          details: { before: { trusted: !!member.trusted_at }, after: { trusted } },
        });
      });
    },

    /** `member` as memberByHandle answered it (not read again). */
    async addMemberNote(viewer: Viewer | null, member: User, raw: string | undefined, meta: RequestMeta): Promise<void> {
      const mod = requireModerator(viewer);
      const body = clean(raw);
      assertValid({ note: checkText(body, { required: true, max: REASON_MAX, multiline: true }) });
      await db.transaction().execute(async (trx) => {
        await insertNote(trx, { caseId: null, subjectUserId: member.id, authorId: mod.id, body });
        await audit(trx, 'moderation.note_added', meta, { actorId: mod.id, targetUserId: member.id });
      });
    },

    // ---- the sanctioned member's side -----------------------------------------------------

    /** Sanctions of the viewer (suspended members too): what, why, until when, appeal. */
    async mySanctions(viewer: Viewer | null) {
      if (!viewer || (viewer.status !== 'active' && viewer.status !== 'suspended')) throw new NotFoundError('sanctions');
      const t = now();
      return (await listSanctionsOf(db, viewer.id)).map((s) => ({
        ...s,
        current: !s.lifted_at && (s.kind === 'warning' ? !s.acknowledged_at : !s.ends_at || s.ends_at > t),
      }));
    },

    async acknowledge(viewer: Viewer | null, id: number): Promise<void> {
      if (!viewer || viewer.status === 'pending' || viewer.status === 'rejected') throw new NotFoundError('sanction');
      const s = await findSanction(db, id);
      if (!s || s.user_id !== viewer.id || s.kind !== 'warning') throw new NotFoundError('sanction');
      await db.transaction().execute(async (trx) => {
        await acknowledgeSanction(trx, id, viewer.id, now());
        await sessionsChanged(trx, viewer.id);
      });
      dropCachedSessions(cache, viewer.id);
    },

    async appeal(viewer: Viewer | null, id: number, raw: string | undefined, meta: RequestMeta): Promise<void> {
      if (!viewer || viewer.status === 'pending' || viewer.status === 'rejected') throw new NotFoundError('sanction');
      const s = await findSanction(db, id);
      if (!s || s.user_id !== viewer.id) throw new NotFoundError('sanction');
      const text = clean(raw);
      assertValid({ appeal: checkText(text, { required: true, max: REASON_MAX, multiline: true }) });
      await db.transaction().execute(async (trx) => {
        if (!(await recordAppeal(trx, s.id, viewer.id, text, now()))) throw new ValidationError({ appeal: { key: 'moderation.sanctions.errors.alreadyAppealed' } });
        await openCase(trx, { targetKind: 'sanction', targetId: s.id, origin: 'appeal', subjectUserId: viewer.id, snapshot: { kind: 'sanction', sanctionKind: s.kind, reason: s.reason, appeal: text } });
        await audit(trx, 'moderation.appeal_received', meta, { actorId: viewer.id, targetUserId: viewer.id, details: { sanctionId: s.id } });
      });
      await queueChanged();
    },

    // ---- settings and templates (admins) ----------------------------------------------------

    async settings(viewer: Viewer | null) {
      if (!canManageModerationSettings(viewer)) throw new NotFoundError('settings');
      return { settings: await getModerationSettings(db), templates: await listTemplates(db, { withArchived: true }), words: await listWatchedWords(db) };
    },

    async saveSafety(viewer: Viewer | null, input: Record<string, string | undefined>, meta: RequestMeta): Promise<void> {
      if (!canManageModerationSettings(viewer)) throw new NotFoundError('settings');
      const n = readInts(input, { newMemberDays: { min: 0, max: 365 }, newMemberMinSeconds: { min: 0, max: 86400 }, newMemberHeldPosts: { min: 0, max: 100 } });
      await writeSettings(
        viewer,
        { new_member_days: n.newMemberDays, new_member_min_seconds: n.newMemberMinSeconds, new_member_no_links: input.newMemberNoLinks === 'true', new_member_held_posts: n.newMemberHeldPosts },
        meta,
      );
    },

    async addWatchedWord(viewer: Viewer | null, input: { pattern?: string; isRegex?: string; action?: string; replacement?: string }, meta: RequestMeta): Promise<void> {
      if (!canManageModerationSettings(viewer)) throw new NotFoundError('settings');
      const pattern = clean(input.pattern);
      const isRegex = input.isRegex === 'true';
      const action = input.action ?? '';
      const replacement = clean(input.replacement);
      assertValid({
        pattern: checkText(pattern, { required: true, max: 200 }) ?? (watchedExpression({ pattern, is_regex: isRegex }) ? undefined : { key: 'moderation.words.badPattern' }),
        action: (WATCHED_ACTIONS as readonly string[]).includes(action) ? undefined : { key: 'validation.choice' },
        replacement: checkText(replacement, { max: 200 }),
      });
      await db.transaction().execute(async (trx) => {
        const w = await insertWatchedWord(trx, { pattern, isRegex, action: action as WatchedAction, replacement, createdBy: viewer.id });
        await audit(trx, 'admin.watched_word_added', meta, { actorId: viewer.id, details: { wordId: w.id, after: { pattern, isRegex, action, replacement } } });
      });
    },

    async deleteWatchedWord(viewer: Viewer | null, id: number, meta: RequestMeta): Promise<void> {
      if (!canManageModerationSettings(viewer)) throw new NotFoundError('settings');
      await db.transaction().execute(async (trx) => {
        const w = await deleteWatchedWord(trx, id);
        if (!w) throw new NotFoundError('watched word');
        await audit(trx, 'admin.watched_word_removed', meta, { actorId: viewer.id, details: { wordId: id, before: { pattern: w.pattern, isRegex: w.is_regex, action: w.action, replacement: w.replacement } } });
      });
    },

    /** The test box: what the watched words would do to a sample text (nothing is stored). */
    async testWatchedWords(viewer: Viewer | null, text: string | undefined) {
      if (!canManageModerationSettings(viewer)) throw new NotFoundError('settings');
      const words = await listWatchedWords(db);
      const sample = (text ?? '').slice(0, 5000);
      const matches = matchWatched(words, sample).map((m) => ({ pattern: m.word.pattern, action: m.word.action, match: m.match }));
      let result: string;
      try {
        result = applyWatched(words, sample, 'post').body;
      } catch {
        result = '';
      }
      return { matches, result, blocked: matches.some((m) => m.action === 'block') };
    },

    async saveSettings(viewer: Viewer | null, input: Record<string, string | undefined>, meta: RequestMeta): Promise<void> {
      if (!canManageModerationSettings(viewer)) throw new NotFoundError('settings');
      const range = { min: 1, max: 1000 };
      const n = readInts(input, { autoHideScore: range, trustedWeight: range, reportsPerHour: range });
      await writeSettings(viewer, { auto_hide_score: n.autoHideScore, trusted_weight: n.trustedWeight, reports_per_hour: n.reportsPerHour }, meta);
    },

    async saveTemplate(viewer: Viewer | null, id: number | null, input: { title?: string; body?: string; archived?: string }, meta: RequestMeta): Promise<void> {
      if (!canManageModerationSettings(viewer)) throw new NotFoundError('settings');
      if (input.archived !== undefined && id !== null) {
        const archive = input.archived === 'true';
        await db.transaction().execute(async (trx) => {
          if (!(await updateTemplate(trx, id, { archived_at: archive ? now() : null }))) throw new NotFoundError('template');
          await audit(trx, 'admin.moderation_template_updated', meta, { actorId: viewer.id, details: { templateId: id, after: { archived: archive } } });
        });
        return;
      }
      const title = clean(input.title);
      const body = clean(input.body);
      assertValid({ title: checkText(title, { required: true, max: 100 }), body: checkText(body, { required: true, max: REASON_MAX, multiline: true }) });
      await db.transaction().execute(async (trx) => {
        if (id === null) {
          const t = await insertTemplate(trx, title, body);
          await audit(trx, 'admin.moderation_template_created', meta, { actorId: viewer.id, details: { templateId: t.id, after: { title, body } } });
        } else {
          const before = await findTemplate(trx, id);
          if (!before || !(await updateTemplate(trx, id, { title, body }))) throw new NotFoundError('template');
          await audit(trx, 'admin.moderation_template_updated', meta, { actorId: viewer.id, details: { templateId: id, before: { title: before.title, body: before.body }, after: { title, body } } });
        }
      });
    },
  };
}

export type ModerationService = ReturnType<typeof createModerationService>;
