import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ValidationError } from '../errors.ts';
import { REGISTRATION_MODES, type InstanceSettings } from '../db/schema.ts';
import { emptyForm, presentForm } from '../presenters/forms.ts';
import { presentAuditEvents } from '../presenters/audit.ts';
import { cursorQuery, formBody, noticeQuery, text } from '../schemas/forms.ts';
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

  app.get('/admin/audit', { schema: { querystring: cursorQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const page = await audit.list(viewer, (request.query as { before?: string }).before);
    return reply.page('admin/audit', { events: presentAuditEvents(page.items, request.t), next: page.next }, { title: request.t('admin.audit.title') });
  });
}
