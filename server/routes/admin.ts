import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ValidationError } from '../errors.ts';
import { REGISTRATION_MODES, type InstanceSettings } from '../db/schema.ts';
import { emptyForm, presentForm } from '../presenters/forms.ts';
import Type from 'typebox';
import { auditActionOptions, presentAuditEvents } from '../presenters/audit.ts';
import type { AuditQuery } from '../services/audit-service.ts';
import { formBody, noticeQuery, text } from '../schemas/forms.ts';
import { attempt, requireViewer, withNotice } from './helpers.ts';

export async function adminRoutes(app: FastifyInstance) {
  const { settings, audit } = app.services;

  function renderSettings(request: FastifyRequest, reply: FastifyReply, current: InstanceSettings, error?: ValidationError) {
    const form = error
      ? presentForm(request.body, error, request.t)
      : emptyForm({ name: current.name, description: current.description, registrationMode: current.registration_mode });
    const modes = REGISTRATION_MODES.map((m) => ({
      value: m,
      label: request.t(`admin.settings.modes.${m}.label`),
      hint: request.t(`admin.settings.modes.${m}.hint`),
      checked: form.values.registrationMode === m,
    }));
    return reply.page('admin/settings', { form, modes }, { title: request.t('admin.settings.title'), status: error ? 422 : 200 });
  }

  app.get('/admin/settings', { schema: { querystring: noticeQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    return renderSettings(request, reply, await settings.getForAdmin(viewer));
  });

  app.post(
    '/admin/settings',
    { schema: { body: formBody({ name: text(), description: text(), registrationMode: text(20) }) } },
    async (request, reply) => {
      const viewer = requireViewer(request);
      const result = await attempt(() => settings.update(viewer, request.body as Record<string, string>, request.meta));
      if (!result.ok) return renderSettings(request, reply, await settings.getForAdmin(viewer), result.error);
      return reply.redirect(withNotice('/admin/settings', 'settingsSaved'), 303);
    },
  );

  const auditQuery = Type.Object(
    {
      before: Type.Optional(Type.String({ maxLength: 100 })),
      action: Type.Optional(Type.String({ maxLength: 60 })),
      actor: Type.Optional(Type.String({ maxLength: 40 })),
      target: Type.Optional(Type.String({ maxLength: 40 })),
      from: Type.Optional(Type.String({ maxLength: 10 })),
      to: Type.Optional(Type.String({ maxLength: 10 })),
      notice: Type.Optional(Type.String({ maxLength: 40 })),
    },
    { additionalProperties: false },
  );

  app.get('/admin/audit', { schema: { querystring: auditQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const q = request.query as AuditQuery & { before?: string };
    const page = await audit.list(viewer, q.before, q);
    const filters = Object.entries({ action: q.action, actor: q.actor, target: q.target, from: q.from, to: q.to }).filter((e): e is [string, string] => !!e[1]);
    const search = new URLSearchParams(filters).toString();
    return reply.page(
      'admin/audit',
      {
        events: presentAuditEvents(page.items, request.t),
        next: page.next,
        filterPairs: filters.map(([key, value]) => ({ key, value: encodeURIComponent(value) })),
        csvUrl: `/admin/audit.csv${search ? `?${search}` : ''}`,
        filter: { action: q.action ?? '', actor: q.actor ?? '', target: q.target ?? '', from: q.from ?? '', to: q.to ?? '' },
        actions: auditActionOptions(request.t, q.action),
      },
      { title: request.t('admin.audit.title') },
    );
  });

  app.get('/admin/audit.csv', { schema: { querystring: auditQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const csv = await audit.exportCsv(viewer, request.query as AuditQuery, (a) => request.t(`admin.audit.actions.${a}`, { defaultValue: a }));
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-disposition', `attachment; filename="audit-${day}.csv"`)
      .header('cache-control', 'no-store')
      .type('text/csv; charset=utf-8')
      .send(`\ufeff${csv}`);
  });
}
