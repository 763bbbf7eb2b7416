import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Config } from '../config.ts';
import type { ValidationError } from '../errors.ts';
import { emptyForm, presentForm } from '../presenters/forms.ts';
import { presentSessions } from '../presenters/sessions.ts';
import { formBody, noticeQuery, text } from '../schemas/forms.ts';
import { attempt, requireViewer, withNotice } from './helpers.ts';

export async function accountRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const { account } = app.services;

  app.get('/account', { schema: { querystring: noticeQuery } }, async (request, reply) => {
    requireViewer(request);
    return reply.page('account/index', {}, { title: request.t('account.title') });
  });

  function renderPassword(request: FastifyRequest, reply: FastifyReply, error?: ValidationError) {
    const form = error ? presentForm(request.body, error, request.t) : emptyForm();
    return reply.page('account/password', { form }, { title: request.t('account.password.title'), status: error ? 422 : 200 });
  }

  app.get('/account/password', { schema: { querystring: noticeQuery } }, async (request, reply) => {
    requireViewer(request);
    return renderPassword(request, reply);
  });

  app.post(
    '/account/password',
    {
      schema: { body: formBody({ currentPassword: text(), newPassword: text(), newPasswordConfirm: text() }) },
      config: { rateLimit: { max: config.rateLimits.passwordChange.max, timeWindow: config.rateLimits.passwordChange.windowMs } },
    },
    async (request, reply) => {
      const viewer = requireViewer(request);
      const result = await attempt(() => account.changePassword(viewer, request.body as Record<string, string>, request.locale, request.meta));
      if (!result.ok) return renderPassword(request, reply, result.error);
      reply.setSessionCookie(result.value.token, result.value.expiresAt);
      return reply.redirect(withNotice('/account/sessions', 'passwordChanged'), 303);
    },
  );

  app.get('/account/sessions', { schema: { querystring: noticeQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const sessions = presentSessions(await account.listSessions(viewer), viewer.sessionId, request.t);
    return reply.page('account/sessions', { sessions }, { title: request.t('account.sessions.title') });
  });

  app.post(
    '/account/sessions/revoke',
    { schema: { body: formBody({ id: Type.String({ maxLength: 64 }) }) } },
    async (request, reply) => {
      const viewer = requireViewer(request);
      const { wasCurrent } = await account.revokeSession(viewer, (request.body as { id: string }).id, request.meta);
      if (wasCurrent) {
        reply.clearSessionCookie();
        return reply.redirect(withNotice('/login', 'loggedOut'), 303);
      }
      return reply.redirect(withNotice('/account/sessions', 'sessionRevoked'), 303);
    },
  );
}
