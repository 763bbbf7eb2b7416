import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Config } from '../config.ts';
import { LANG_COOKIE } from '../plugins/web.ts';
import { formBody, noticeQuery, text } from '../schemas/forms.ts';
import { safeNext } from './helpers.ts';
import { isLocale } from '../i18n/index.ts';
import { presentHome } from '../presenters/feed.ts';

const homeQuery = Type.Object(
  { ...noticeQuery.properties, before: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);

export async function homeRoutes(app: FastifyInstance, { config }: { config: Config }) {
  // Signed in: the member's feed. Visitors: the instance's description and its recent public posts
  // and its latest topics.
  app.get('/', { schema: { querystring: homeQuery }, config: { anonymousPageCache: true } }, async (request, reply) => {
    const home = await app.services.feed.home(request.viewer, (request.query as { before?: string }).before);
    return reply.page('home', presentHome(home, request.t), { title: request.t('home.title') });
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
