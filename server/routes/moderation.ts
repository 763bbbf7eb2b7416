// Moderation: reporting (members), the review queue and its cases, content actions and sanctions
// (moderators), the sanctioned member's page and appeal, and the moderation settings (admins).
// Every action is a form; refusals re-render the same page with what was typed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { cursorQuery, formBody, idParams, text } from '../schemas/forms.ts';
import { attempt, requireViewer, withNotice } from './helpers.ts';
import { emptyForm, presentForm, type FormState } from '../presenters/forms.ts';
import { presentMySanctions, presentPendingAccount, presentSanctionHistory, reasonOptions, sanctionOptions, stateOptions } from '../presenters/moderation.ts';
import { NotFoundError, type ValidationError } from '../errors.ts';
import { CASE_ORIGINS, WATCHED_ACTIONS } from '../db/schema.ts';

const targetParams = Type.Object({ kind: Type.String({ pattern: '^[a-z_]{1,30}$' }), id: idParams.properties.id }, { additionalProperties: false });
const handleParams = Type.Object({ handle: Type.String({ maxLength: 60 }) }, { additionalProperties: false });
const queueQuery = Type.Object(
  {
    state: Type.Optional(Type.String({ maxLength: 20 })),
    reason: Type.Optional(Type.String({ maxLength: 20 })),
    assignee: Type.Optional(Type.String({ maxLength: 10 })),
    origin: Type.Optional(Type.String({ maxLength: 10 })),
    before: Type.Optional(Type.String({ maxLength: 100 })),
    notice: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);

export async function moderationRoutes(app: FastifyInstance) {
  const { approvals, moderation } = app.services;
  const idOf = (request: FastifyRequest) => Number((request.params as { id: string }).id);

  // ---- pending sign-ups (approval mode) ---------------------------------------------------

  app.get('/moderation/pending', { schema: { querystring: cursorQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const page = await approvals.listPending(viewer, (request.query as { before?: string }).before);
    return reply.page('moderation/pending', { accounts: page.items.map(presentPendingAccount), next: page.next }, { title: request.t('moderation.pending.title') });
  });

  app.post(
    '/moderation/pending/:id/:decision',
    {
      schema: {
        params: Type.Object({ id: idParams.properties.id, decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]) }, { additionalProperties: false }),
        body: formBody({ next: text(200) }),
      },
    },
    async (request, reply) => {
      const viewer = requireViewer(request);
      const { id, decision } = request.params as { id: string; decision: 'approve' | 'reject' };
      const done = await approvals.decide(viewer, Number(id), decision, request.meta);
      const notice = !done ? 'alreadyReviewed' : decision === 'approve' ? 'accountApproved' : 'accountRejected';
      const back = (request.body as { next?: string }).next === '/moderation' ? '/moderation' : '/moderation/pending';
      return reply.redirect(withNotice(back, notice), 303);
    },
  );

  // ---- reporting ----------------------------------------------------------------------------

  async function renderReportForm(request: FastifyRequest, reply: FastifyReply, form: FormState, status = 200) {
    const { kind, id } = request.params as { kind: string; id: string };
    const info = await moderation.reportable(request.viewer, kind, Number(id));
    return reply.page(
      'moderation/report',
      { kind, id, snapshot: info.snapshot, kindLabel: request.t(`moderation.report.kinds.${kind}`, { defaultValue: kind }), reasons: reasonOptions(request.t, form.values.reason), form },
      { title: request.t('moderation.report.title'), status },
    );
  }

  app.get('/report/:kind/:id', { schema: { params: targetParams } }, async (request, reply) => {
    requireViewer(request);
    return renderReportForm(request, reply, emptyForm());
  });

  app.post('/report/:kind/:id', { schema: { params: targetParams, body: formBody({ reason: text(20), comment: text() }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const { kind, id } = request.params as { kind: string; id: string };
    const result = await attempt(() => moderation.report(viewer, kind, Number(id), request.body as { reason?: string; comment?: string }));
    if (!result.ok) return renderReportForm(request, reply, presentForm(request.body, result.error, request.t), 422);
    return reply.redirect(withNotice('/reports', 'reportSent'), 303);
  });

  app.get('/reports', { schema: { querystring: cursorQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const page = await moderation.myReports(viewer, (request.query as { before?: string }).before);
    const items = page.items.map((r) => ({
      at: r.created_at,
      reason: request.t(`moderation.reasons.${r.reason}`),
      comment: r.comment,
      kind: request.t(`moderation.report.kinds.${r.target_kind}`, { defaultValue: r.target_kind }),
      excerpt: String((r.snapshot as { body?: string }).body ?? '').slice(0, 200),
      outcome: request.t(`moderation.outcomes.${r.state}`),
    }));
    return reply.page('moderation/my-reports', { items, next: page.next }, { title: request.t('moderation.myReports.title') });
  });

  // ---- the sanctioned member's side -----------------------------------------------------------

  app.get('/account/moderation', { config: { allowSanctioned: true }, schema: { querystring: cursorQuery } }, async (request, reply) => {
    const sanctions = await moderation.mySanctions(requireViewer(request));
    return reply.page('moderation/sanctioned', presentMySanctions(sanctions, request.t, request.locale), { title: request.t('moderation.sanctions.title') });
  });

  app.post('/account/moderation/:id/acknowledge', { config: { allowSanctioned: true }, schema: { params: idParams, body: formBody({}) } }, async (request, reply) => {
    await moderation.acknowledge(requireViewer(request), idOf(request));
    return reply.redirect('/', 303);
  });

  app.post('/account/moderation/:id/appeal', { config: { allowSanctioned: true }, schema: { params: idParams, body: formBody({ appeal: text() }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => moderation.appeal(viewer, idOf(request), (request.body as { appeal?: string }).appeal, request.meta));
    if (!result.ok) {
      const sanctions = await moderation.mySanctions(viewer);
      const form = presentForm(request.body, result.error, request.t);
      return reply.page('moderation/sanctioned', { ...presentMySanctions(sanctions, request.t, request.locale), appealFor: idOf(request), form }, { title: request.t('moderation.sanctions.title'), status: 422 });
    }
    return reply.redirect(withNotice('/account/moderation', 'appealSent'), 303);
  });

  // ---- the queue ------------------------------------------------------------------------------

  app.get('/moderation', { schema: { querystring: queueQuery } }, async (request, reply) => {
    const q = request.query as { state?: string; reason?: string; assignee?: string; origin?: string; before?: string };
    const { page, pending } = await moderation.queue(requireViewer(request), q, q.before);
    const t = request.t;
    const items = page.items.map((c) => ({
      id: c.id,
      url: `/moderation/cases/${c.id}`,
      kind: t(`moderation.report.kinds.${c.target_kind}`, { defaultValue: c.target_kind }),
      origin: t(`moderation.origins.${c.origin}`),
      state: t(`moderation.states.${c.state}`),
      subject: c.subject_handle,
      assignee: c.assignee_handle,
      reports: Number(c.report_count),
      score: c.score,
      reasons: (c.reasons ?? []).map((r) => t(`moderation.reasons.${r}`)).join(', '),
      autoHidden: !!c.auto_hidden_at,
      excerpt: String((c.snapshot as { body?: string; appeal?: string }).body ?? (c.snapshot as { appeal?: string }).appeal ?? '').slice(0, 200),
      at: c.created_at,
    }));
    const filters = {
      states: [{ value: 'active', label: t('moderation.states.active'), selected: !q.state || q.state === 'active' }, ...stateOptions(t, q.state)],
      reasons: reasonOptions(t, q.reason),
      assignee: q.assignee ?? '',
      origins: CASE_ORIGINS.map((o) => ({ value: o, label: t(`moderation.origins.${o}`), selected: o === q.origin })),
    };
    const query = new URLSearchParams(Object.entries({ state: q.state, reason: q.reason, assignee: q.assignee, origin: q.origin }).filter((e): e is [string, string] => !!e[1]));
    const nextUrl = page.next ? `/moderation?${new URLSearchParams([...query, ['before', page.next]]).toString()}` : undefined;
    // The heading's count is the layout's moderationCount.
    return reply.page('moderation/queue', { items, filters, nextUrl, pending: pending.map(presentPendingAccount) }, { title: t('moderation.queue.title') });
  });

  type Failed = { form: string; error: ValidationError };
  type CaseDetail = Awaited<ReturnType<typeof moderation.caseDetail>>;

  /** The case page; a failed form (content, state, note, sanction, lift-<sanction id>) comes back with its error and what was typed. */
  async function renderCase(request: FastifyRequest, reply: FastifyReply, failed?: Failed, detail?: CaseDetail) {
    const d = detail ?? (await moderation.caseDetail(request.viewer, idOf(request)));
    const t = request.t;
    const forms: Record<string, FormState> = {};
    if (failed) forms[failed.form] = presentForm(request.body, failed.error, t);
    return reply.page(
      'moderation/case',
      {
        c: {
          id: d.c.id,
          state: t(`moderation.states.${d.c.state}`),
          origin: t(`moderation.origins.${d.c.origin}`),
          kind: t(`moderation.report.kinds.${d.c.target_kind}`, { defaultValue: d.c.target_kind }),
          score: d.c.score,
          autoHidden: !!d.c.auto_hidden_at,
          createdAt: d.c.created_at,
          assignedToMe: d.c.assignee_id === request.viewer?.id,
          assigned: d.c.assignee_id !== null,
          closed: d.c.state === 'resolved' || d.c.state === 'rejected',
        },
        snapshot: d.c.snapshot,
        current: d.current ? { url: d.current.url, body: d.current.snapshot.body, hidden: d.current.hidden, hiddenReason: d.current.hiddenReason, changed: d.current.snapshot.body !== (d.c.snapshot as { body?: string }).body } : null,
        sanction: d.sanction
          ? { id: d.sanction.id, kindLabel: t(`moderation.sanctionKinds.${d.sanction.kind}`), reason: d.sanction.reason, appeal: d.sanction.appeal_text, lifted: !!d.sanction.lifted_at, liftForm: forms[`lift-${d.sanction.id}`] ?? emptyForm() }
          : null,
        reports: d.reports.map((r) => ({ reporter: r.reporter_handle, trusted: !!r.reporter_trusted_at, reason: t(`moderation.reasons.${r.reason}`), comment: r.comment, weight: r.weight, at: r.created_at, changed: (r.snapshot as { body?: string }).body !== (d.c.snapshot as { body?: string }).body, body: (r.snapshot as { body?: string }).body })),
        notes: d.notes.map((n) => ({ author: n.author_handle, body: n.body, at: n.created_at })),
        subject: d.subject
          ? {
              id: d.subject.user.id,
              handle: d.subject.user.handle,
              displayName: d.subject.user.display_name,
              ageDays: d.subject.ageDays,
              trusted: !!d.subject.user.trusted_at,
              sanctions: presentSanctionHistory(d.subject.sanctions, t, request.locale),
              previousCases: d.subject.cases.filter((x) => x.id !== d.c.id).length,
            }
          : null,
        actions: d.actions,
        // A topic (or a reply in it) is also locked, moved or retitled with the forum's own tools.
        topicTools: (d.c.target_kind === 'topic' || d.c.target_kind === 'topic_reply') && d.current ? `/t/${Number((d.c.snapshot as { topicId?: number }).topicId)}/moderate` : null,
        states: stateOptions(t, d.c.state),
        sanctionOptions: sanctionOptions(t, d.templates, forms.sanction?.values),
        forms,
        canSanction: d.canSanction,
      },
      { title: t('moderation.case.title', { id: d.c.id }), status: failed ? 422 : 200 },
    );
  }

  app.get('/moderation/cases/:id', { schema: { params: idParams, querystring: cursorQuery } }, async (request, reply) => {
    requireViewer(request);
    return renderCase(request, reply);
  });

  app.post('/moderation/cases/:id/assign', { schema: { params: idParams, body: formBody({ to: text(10) }) } }, async (request, reply) => {
    const to = (request.body as { to?: string }).to === 'none' ? 'none' : 'me';
    await moderation.assign(requireViewer(request), idOf(request), to, request.meta);
    return reply.redirect(withNotice(`/moderation/cases/${idOf(request)}`, 'caseUpdated'), 303);
  });

  app.post('/moderation/cases/:id/state', { schema: { params: idParams, body: formBody({ state: text(20), note: text() }) } }, async (request, reply) => {
    const body = request.body as { state?: string; note?: string };
    const result = await attempt(() => moderation.setState(requireViewer(request), idOf(request), body.state ?? '', body.note, request.meta));
    if (!result.ok) return renderCase(request, reply, { form: 'state', error: result.error });
    return reply.redirect(withNotice(`/moderation/cases/${idOf(request)}`, 'caseUpdated'), 303);
  });

  app.post('/moderation/cases/:id/notes', { schema: { params: idParams, body: formBody({ note: text() }) } }, async (request, reply) => {
    const result = await attempt(() => moderation.addNote(requireViewer(request), idOf(request), (request.body as { note?: string }).note, request.meta));
    if (!result.ok) return renderCase(request, reply, { form: 'note', error: result.error });
    return reply.redirect(withNotice(`/moderation/cases/${idOf(request)}`, 'noteAdded'), 303);
  });

  app.post('/moderation/cases/:id/action', { schema: { params: idParams, body: formBody({ action: text(20), reason: text() }) } }, async (request, reply) => {
    const body = request.body as { action?: string; reason?: string };
    const result = await attempt(() => moderation.actOnCase(requireViewer(request), idOf(request), body.action ?? '', body.reason, request.meta));
    if (!result.ok) return renderCase(request, reply, { form: 'content', error: result.error });
    return reply.redirect(withNotice(`/moderation/cases/${idOf(request)}`, 'contentActionDone'), 303);
  });

  // ---- members: history, sanctions, trust ---------------------------------------------------------

  /** The member page; a failed form (sanction, note, lift-<sanction id>) comes back with its error and what was typed. */
  async function renderMember(request: FastifyRequest, reply: FastifyReply, handle: string, failed?: Failed, history?: Awaited<ReturnType<typeof moderation.memberHistory>>) {
    const h = history ?? (await moderation.memberHistory(request.viewer, handle));
    const t = request.t;
    const forms: Record<string, FormState> = {};
    if (failed) forms[failed.form] = presentForm(request.body, failed.error, t);
    return reply.page(
      'moderation/member',
      {
        member: { id: h.user.id, handle: h.user.handle, displayName: h.user.display_name, createdAt: h.user.created_at, ageDays: h.ageDays, trusted: !!h.user.trusted_at, role: t(`roles.${h.user.role}`, { defaultValue: h.user.role }) },
        sanctions: presentSanctionHistory(h.sanctions, t, request.locale).map((s) => ({ ...s, liftForm: forms[`lift-${s.id}`] ?? emptyForm() })),
        cases: h.cases.map((c) => ({ id: c.id, kind: t(`moderation.report.kinds.${c.target_kind}`, { defaultValue: c.target_kind }), origin: t(`moderation.origins.${c.origin}`), state: t(`moderation.states.${c.state}`), at: c.created_at })),
        notes: h.notes.map((n) => ({ author: n.author_handle, body: n.body, at: n.created_at })),
        sanctionOptions: sanctionOptions(t, h.templates, forms.sanction?.values),
        canSanction: h.canSanction,
        forms,
      },
      { title: t('moderation.member.title', { handle: h.user.handle }), status: failed ? 422 : 200 },
    );
  }

  /** A case's detail, or null when there is no such case (a form sent with a stale or forged id). */
  async function caseIfAny(viewer: FastifyRequest['viewer'], caseId: number): Promise<CaseDetail | null> {
    try {
      return await moderation.caseDetail(viewer, caseId);
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  app.get('/moderation/members/:handle', { schema: { params: handleParams, querystring: cursorQuery } }, async (request, reply) => {
    requireViewer(request);
    return renderMember(request, reply, (request.params as { handle: string }).handle);
  });

  app.post(
    '/moderation/members/:handle/sanctions',
    { schema: { params: handleParams, body: formBody({ kind: text(20), duration: text(20), templateId: text(15), reason: text(), caseId: text(15) }) } },
    async (request, reply) => {
      const viewer = requireViewer(request);
      const handle = (request.params as { handle: string }).handle;
      const body = request.body as { kind?: string; duration?: string; templateId?: string; reason?: string; caseId?: string };
      const member = await moderation.memberByHandle(viewer, handle);
      const caseId = body.caseId && /^[0-9]{1,15}$/.test(body.caseId) ? Number(body.caseId) : null;
      const result = await attempt(() => moderation.sanction(viewer, member, body, caseId, request.meta));
      if (!result.ok) {
        const failed = { form: 'sanction', error: result.error };
        // Sent from a case page: that page again, with the form as typed (its caseId too).
        const d = caseId ? await caseIfAny(viewer, caseId) : null;
        return d && d.c.subject_user_id === member.id ? renderCase(request, reply, failed, d) : renderMember(request, reply, handle, failed);
      }
      return reply.redirect(withNotice(caseId ? `/moderation/cases/${caseId}` : `/moderation/members/${member.handle}`, 'sanctionApplied'), 303);
    },
  );

  app.post('/moderation/members/:handle/trust', { schema: { params: handleParams, body: formBody({ trusted: text(5) }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const member = await moderation.memberByHandle(viewer, (request.params as { handle: string }).handle);
    await moderation.setTrusted(viewer, member, (request.body as { trusted?: string }).trusted === 'true', request.meta);
    return reply.redirect(withNotice(`/moderation/members/${member.handle}`, 'memberUpdated'), 303);
  });

  app.post('/moderation/members/:handle/notes', { schema: { params: handleParams, body: formBody({ note: text() }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const handle = (request.params as { handle: string }).handle;
    const member = await moderation.memberByHandle(viewer, handle);
    const result = await attempt(() => moderation.addMemberNote(viewer, member, (request.body as { note?: string }).note, request.meta));
    if (!result.ok) return renderMember(request, reply, handle, { form: 'note', error: result.error });
    return reply.redirect(withNotice(`/moderation/members/${member.handle}`, 'noteAdded'), 303);
  });

  app.post('/moderation/sanctions/:id/lift', { schema: { params: idParams, body: formBody({ reason: text(), next: text(200) }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const body = request.body as { reason?: string; next?: string };
    const result = await attempt(() => moderation.lift(viewer, idOf(request), body.reason, request.meta));
    const back = body.next ? /^\/moderation\/(?:cases\/([0-9]{1,15})|members\/([A-Za-z0-9_]{1,30}))$/.exec(body.next) : null;
    const next = back ? body.next! : '/moderation';
    if (result.ok) return reply.redirect(withNotice(next, 'sanctionLifted'), 303);
    if (result.error.fields.form?.key === 'moderation.sanction.errors.alreadyLifted') return reply.redirect(withNotice(next, 'sanctionAlreadyLifted'), 303);
    // Anything else (a reason too long…): the page the form came from, with the error next to the reason.
    const sanctionId = idOf(request);
    const failed = { form: `lift-${sanctionId}`, error: result.error };
    const d = back?.[1] ? await caseIfAny(viewer, Number(back[1])) : null;
    if (d?.sanction?.id === sanctionId) return renderCase(request, reply, failed, d);
    const h = back?.[2] ? await moderation.memberHistory(viewer, back[2]) : null;
    if (h?.sanctions.some((x) => x.id === sanctionId)) return renderMember(request, reply, h.user.handle, failed, h);
    throw result.error;
  });

  // ---- settings (admins) ---------------------------------------------------------------------------

  async function renderSettings(request: FastifyRequest, reply: FastifyReply, failed?: Failed, test?: { text: string; outcome: Awaited<ReturnType<typeof moderation.testWatchedWords>> }) {
    const { settings, templates, words } = await moderation.settings(request.viewer);
    const t = request.t;
    const safetyForm =
      failed?.form === 'safety'
        ? presentForm(request.body, failed.error, t)
        : emptyForm({ newMemberDays: String(settings.new_member_days), newMemberMinSeconds: String(settings.new_member_min_seconds), newMemberHeldPosts: String(settings.new_member_held_posts), newMemberNoLinks: settings.new_member_no_links ? 'true' : '' });
    const wordForm = failed?.form === 'word' ? presentForm(request.body, failed.error, t) : emptyForm({ action: 'flag' });
    const wordData = {
      safetyForm,
      wordForm,
      words: words.map((w) => ({ id: w.id, pattern: w.pattern, isRegex: w.is_regex, action: t(`moderation.words.actions.${w.action}`), replacement: w.replacement })),
      wordActions: WATCHED_ACTIONS.map((a) => ({ value: a, label: t(`moderation.words.actions.${a}`), selected: a === wordForm.values.action })),
      test: test ? { text: test.text, matches: test.outcome.matches.map((m) => ({ ...m, actionLabel: t(`moderation.words.actions.${m.action}`) })), result: test.outcome.result, blocked: test.outcome.blocked } : null,
    };
    const form =
      failed?.form === 'settings'
        ? presentForm(request.body, failed.error, request.t)
        : emptyForm({ autoHideScore: String(settings.auto_hide_score), trustedWeight: String(settings.trusted_weight), reportsPerHour: String(settings.reports_per_hour) });
    // The "new template" form and each template's own form (template-<id>) keep their state apart.
    const templateForm = failed?.form === 'template' ? presentForm(request.body, failed.error, request.t) : emptyForm();
    const templateForms = templates.map((x) => ({
      id: x.id,
      archived: !!x.archived_at,
      form: failed?.form === `template-${x.id}` ? presentForm(request.body, failed.error, t) : emptyForm({ title: x.title, body: x.body }),
    }));
    return reply.page(
      'moderation/settings',
      { form, templateForm, templates: templateForms, ...wordData },
      { title: request.t('moderation.settings.title'), status: failed ? 422 : 200 },
    );
  }

  app.get('/admin/moderation', { schema: { querystring: cursorQuery } }, async (request, reply) => {
    requireViewer(request);
    return renderSettings(request, reply);
  });

  app.post('/admin/moderation/settings', { schema: { body: formBody({ autoHideScore: text(10), trustedWeight: text(10), reportsPerHour: text(10) }) } }, async (request, reply) => {
    requireViewer(request);
    const result = await attempt(() => moderation.saveSettings(request.viewer, request.body as Record<string, string | undefined>, request.meta));
    if (!result.ok) return renderSettings(request, reply, { form: 'settings', error: result.error });
    return reply.redirect(withNotice('/admin/moderation', 'settingsSaved'), 303);
  });

  app.post('/admin/moderation/templates', { schema: { body: formBody({ title: text(200), body: text() }) } }, async (request, reply) => {
    requireViewer(request);
    const result = await attempt(() => moderation.saveTemplate(request.viewer, null, request.body as { title?: string; body?: string }, request.meta));
    if (!result.ok) return renderSettings(request, reply, { form: 'template', error: result.error });
    return reply.redirect(withNotice('/admin/moderation', 'settingsSaved'), 303);
  });

  app.post('/admin/moderation/templates/:id', { schema: { params: idParams, body: formBody({ title: text(200), body: text(), archived: text(5) }) } }, async (request, reply) => {
    requireViewer(request);
    const result = await attempt(() => moderation.saveTemplate(request.viewer, idOf(request), request.body as { title?: string; body?: string; archived?: string }, request.meta));
    if (!result.ok) return renderSettings(request, reply, { form: `template-${idOf(request)}`, error: result.error });
    return reply.redirect(withNotice('/admin/moderation', 'settingsSaved'), 303);
  });

  app.post(
    '/admin/moderation/safety',
    { schema: { body: formBody({ newMemberDays: text(10), newMemberMinSeconds: text(10), newMemberHeldPosts: text(10), newMemberNoLinks: text(5) }) } },
    async (request, reply) => {
      requireViewer(request);
      const result = await attempt(() => moderation.saveSafety(request.viewer, request.body as Record<string, string | undefined>, request.meta));
      if (!result.ok) return renderSettings(request, reply, { form: 'safety', error: result.error });
      return reply.redirect(withNotice('/admin/moderation', 'settingsSaved'), 303);
    },
  );

  app.post('/admin/moderation/words', { schema: { body: formBody({ pattern: text(300), isRegex: text(5), action: text(10), replacement: text(300) }) } }, async (request, reply) => {
    requireViewer(request);
    const result = await attempt(() => moderation.addWatchedWord(request.viewer, request.body as Record<string, string | undefined>, request.meta));
    if (!result.ok) return renderSettings(request, reply, { form: 'word', error: result.error });
    return reply.redirect(withNotice('/admin/moderation#words', 'settingsSaved'), 303);
  });

  app.post('/admin/moderation/words/:id/delete', { schema: { params: idParams, body: formBody({}) } }, async (request, reply) => {
    requireViewer(request);
    await moderation.deleteWatchedWord(request.viewer, idOf(request), request.meta);
    return reply.redirect(withNotice('/admin/moderation#words', 'settingsSaved'), 303);
  });

  app.post('/admin/moderation/words/test', { schema: { body: formBody({ sample: text(5000) }) } }, async (request, reply) => {
    requireViewer(request);
    const sample = (request.body as { sample?: string }).sample ?? '';
    const outcome = await moderation.testWatchedWords(request.viewer, sample);
    return renderSettings(request, reply, undefined, { text: sample, outcome });
  });
}
