import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Config } from '../config.ts';
import type { ValidationError } from '../errors.ts';
import { emptyForm, presentForm } from '../presenters/forms.ts';
import { presentQuestionFields } from '../presenters/profile.ts';
import { formBody, text } from '../schemas/forms.ts';
import { attempt, requireViewer, safeNext, withNotice } from './helpers.ts';
import { formBodyWithAnswers } from './profiles.ts';

// The sign-up form also carries the answers to the admin's profile questions (q_<id> fields).
const signupBody = formBodyWithAnswers({
  handle: text(),
  displayName: text(),
  email: text(),
  password: text(),
  passwordConfirm: text(),
  invitation: text(200),
});
const loginBody = formBody({ login: text(), password: text(), next: text(2000) });
const signupQuery = Type.Object({ invite: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
const loginQuery = Type.Object(
  { next: Type.Optional(Type.String({ maxLength: 2000 })), notice: Type.Optional(Type.String({ maxLength: 40 })) },
  { additionalProperties: false },
);

export async function authRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const { auth, profiles } = app.services;

  async function renderSignup(request: FastifyRequest, reply: FastifyReply, invitation: string | undefined, error?: ValidationError) {
    const state = await auth.signUpState(invitation);
    const form = error ? presentForm(request.body, error, request.t) : emptyForm({ invitation: invitation ?? '' });
    const open = state.mode === 'open' || state.mode === 'approval' || (state.mode === 'invitation' && state.invitationValid);
    const questions = open ? presentQuestionFields(await profiles.activeQuestions(), form, request.locale) : [];
    return reply.page(
      'auth/signup',
      {
        form,
        questions,
        showForm: open,
        mode: state.mode,
        first: state.first,
        needsInvitation: state.mode === 'invitation' && !state.invitationValid,
        approval: state.mode === 'approval',
        closed: state.mode === 'closed',
      },
      { title: request.t('auth.signup.title'), status: error ? 422 : 200 },
    );
  }

  app.get('/signup', { schema: { querystring: signupQuery } }, async (request, reply) => {
    if (request.viewer) return reply.redirect('/', 303);
    return renderSignup(request, reply, (request.query as { invite?: string }).invite);
  });

  app.post(
    '/signup',
    {
      schema: { body: signupBody },
      config: { rateLimit: { max: config.rateLimits.signup.max, timeWindow: config.rateLimits.signup.windowMs } },
    },
    async (request, reply) => {
      const body = request.body as Record<string, string | undefined>;
      const result = await attempt(() => auth.signUp(body, request.locale, request.meta));
      if (!result.ok) return renderSignup(request, reply, body.invitation, result.error);
      reply.setSessionCookie(result.value.session.token, result.value.session.expiresAt);
      return reply.redirect(withNotice('/', 'welcome'), 303);
    },
  );

  function renderLogin(request: FastifyRequest, reply: FastifyReply, next: string, error?: ValidationError) {
    const form = error ? presentForm(request.body, error, request.t) : emptyForm();
    return reply.page('auth/login', { form, next }, { title: request.t('auth.login.title'), status: error ? 422 : 200 });
  }

  app.get('/login', { schema: { querystring: loginQuery } }, async (request, reply) => {
    const next = safeNext((request.query as { next?: string }).next);
    if (request.viewer) return reply.redirect(next, 303);
    return renderLogin(request, reply, next);
  });

  app.post(
    '/login',
    {
      schema: { body: loginBody },
      config: { rateLimit: { max: config.rateLimits.login.max, timeWindow: config.rateLimits.login.windowMs } },
    },
    async (request, reply) => {
      const body = request.body as { login?: string; password?: string; next?: string };
      const next = safeNext(body.next);
      const result = await attempt(() => auth.logIn(body, request.meta));
      if (!result.ok) return renderLogin(request, reply, next, result.error);
      reply.setSessionCookie(result.value.session.token, result.value.session.expiresAt);
      return reply.redirect(next === '/' ? withNotice('/', 'loggedIn') : next, 303);
    },
  );

  app.post('/logout', { schema: { body: formBody({}) }, config: { allowInactive: true } }, async (request, reply) => {
    const viewer = requireViewer(request);
    await auth.logOut(viewer, request.meta);
    reply.clearSessionCookie();
    return reply.redirect(withNotice('/', 'loggedOut'), 303);
  });
}
