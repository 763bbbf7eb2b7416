import type { FastifyInstance } from 'fastify';
import { presentInvitations } from '../presenters/invitations.ts';
import { cursorQuery, formBody, idParams, text } from '../schemas/forms.ts';
import { INVITATION_DAYS } from '../services/invitation-service.ts';
import { requireViewer, withNotice } from './helpers.ts';
import { expectedOrigin } from '../plugins/security.ts';

export async function invitationRoutes(app: FastifyInstance) {
  const { invitations } = app.services;

  app.get('/invitations', { schema: { querystring: cursorQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const page = await invitations.list(viewer, (request.query as { before?: string }).before);
    return reply.page(
      'invitations',
      { invitations: presentInvitations(page.items, expectedOrigin(app.config, request), new Date()), next: page.next, days: INVITATION_DAYS },
      { title: request.t('invitations.title') },
    );
  });

  app.post('/invitations', { schema: { body: formBody({ days: text(3) }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    // The form offers a fixed list of durations; anything else is a tampered form (422 page).
    await invitations.create(viewer, Number((request.body as { days?: string }).days ?? '7'), request.meta);
    return reply.redirect(withNotice('/invitations', 'invitationCreated'), 303);
  });

  app.post('/invitations/:id/revoke', { schema: { params: idParams, body: formBody({}) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const revoked = await invitations.revoke(viewer, Number((request.params as { id: string }).id), request.meta);
    return reply.redirect(withNotice('/invitations', revoked ? 'invitationRevoked' : 'invitationNotRevocable'), 303);
  });
}
