// Blocking and muting members: forms on profiles, and the list of one's blocks and mutes.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { cursorQuery, formBody, text } from '../schemas/forms.ts';
import { requireViewer, withNotice } from './helpers.ts';

const handleParams = Type.Object({ handle: Type.String({ maxLength: 60 }) }, { additionalProperties: false });

export async function blockRoutes(app: FastifyInstance) {
  const { blocks } = app.services;

  app.post('/@:handle/block', { schema: { params: handleParams, body: formBody({ kind: text(10) }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const kind = (request.body as { kind?: string }).kind === 'mute' ? 'mute' : 'block';
    await blocks.set(viewer, (request.params as { handle: string }).handle, kind);
    return reply.redirect(withNotice('/account/blocks', kind === 'mute' ? 'memberMuted' : 'memberBlocked'), 303);
  });

  app.post('/@:handle/unblock', { schema: { params: handleParams, body: formBody({}) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    await blocks.remove(viewer, (request.params as { handle: string }).handle);
    return reply.redirect(withNotice('/account/blocks', 'memberUnblocked'), 303);
  });

  app.get('/account/blocks', { schema: { querystring: cursorQuery } }, async (request, reply) => {
    const rows = await blocks.list(requireViewer(request));
    const items = rows.map((r) => ({ handle: r.handle, name: r.display_name, kind: request.t(`blocks.kinds.${r.kind}`), at: r.created_at }));
    return reply.page('account/blocks', { items }, { title: request.t('blocks.title') });
  });
}
