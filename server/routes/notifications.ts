// Notification preferences: which kinds the member receives (a kind turned off is not created).
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { formBody, noticeQuery } from '../schemas/forms.ts';
import { requireViewer, withNotice } from './helpers.ts';

export async function notificationRoutes(app: FastifyInstance) {
  const { notifications } = app.services;

  app.get('/notifications/settings', { schema: { querystring: noticeQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const kinds = await notifications.preferences(viewer);
    return reply.page('notifications/settings', { kinds }, { title: request.t('notifications.settings.title') });
  });

  app.post(
    '/notifications/settings',
    // One checkbox per kind: absent, one value, or several (always an array after coercion).
    { schema: { body: formBody({ kinds: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 50 })) }) } },
    async (request, reply) => {
      const viewer = requireViewer(request);
      await notifications.setPreferences(viewer, (request.body as { kinds?: string[] }).kinds ?? []);
      return reply.redirect(withNotice('/notifications/settings', 'notificationSettingsSaved'), 303);
    },
  );
}
