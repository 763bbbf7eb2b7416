import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Config } from '../config.ts';
import { LANG_COOKIE } from '../plugins/web.ts';
import { formBody, noticeQuery, text } from '../schemas/forms.ts';
import { safeNext } from './helpers.ts';
import { isLocale } from '../i18n/index.ts';

export async function homeRoutes(app: FastifyInstance, { config }: { config: Config }) {
  app.get('/', { schema: { querystring: noticeQuery }, config: { anonymousPageCache: true } }, async (request, reply) => {
    return reply.page('home', {}, { title: request.t('home.title') });
  });

  const healthResponse = Type.Object({ status: Type.String(), database: Type.String() });
  app.get(
    '/healthz',
    { config: { anonymousOnly: true }, schema: { response: { 200: healthResponse, 503: healthResponse } } },
    async (_request, reply) => {
    const ok = await app.services.health.databaseAnswers();
      return reply.code(ok ? 200 : 503).header('cache-control', 'no-store').send({ status: ok ? 'ok' : 'unavailable', database: ok ? 'up' : 'down' });
    },
  );

  // The language switch is a form (it changes a stored preference), so it works without JS.
  app.post(
    '/lang',
    { schema: { body: formBody({ lang: text(5), next: text(2000) }) }, config: { allowInactive: true } },
    async (request, reply) => {
      const body = request.body as { lang?: string; next?: string };
      const lang = isLocale(body.lang) ? body.lang : config.defaultLocale;
      reply.setCookie(LANG_COOKIE, lang, { path: '/', sameSite: 'lax', httpOnly: true, secure: config.secure, maxAge: 365 * 86_400 });
      if (request.viewer) await app.services.account.setLocale(request.viewer, lang);
      return reply.redirect(safeNext(body.next), 303);
    },
  );
}
