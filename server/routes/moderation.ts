import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { cursorQuery, formBody, idParams } from '../schemas/forms.ts';
import { requireViewer, withNotice } from './helpers.ts';

export async function moderationRoutes(app: FastifyInstance) {
  const { approvals } = app.services;

  app.get('/moderation/pending', { schema: { querystring: cursorQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const page = await approvals.listPending(viewer, (request.query as { before?: string }).before);
    const accounts = page.items.map((u) => ({ id: u.id, handle: u.handle, displayName: u.display_name, email: u.email, createdAt: u.created_at }));
    return reply.page('moderation/pending', { accounts, next: page.next }, { title: request.t('moderation.pending.title') });
  });

  app.post(
    '/moderation/pending/:id/:decision',
    {
      schema: {
        params: Type.Object({ id: idParams.properties.id, decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]) }, { additionalProperties: false }),
        body: formBody({}),
      },
    },
    async (request, reply) => {
      const viewer = requireViewer(request);
      const { id, decision } = request.params as { id: string; decision: 'approve' | 'reject' };
      const done = await approvals.decide(viewer, Number(id), decision, request.meta);
      const notice = !done ? 'alreadyReviewed' : decision === 'approve' ? 'accountApproved' : 'accountRejected';
      return reply.redirect(withNotice('/moderation/pending', notice), 303);
    },
  );
}
