// Per-request context: who is asking (session cookie), in which language, and how pages are
// rendered with the layout's common data. Routes only add their own data to reply.page().
import { randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config, Locale } from '../config.ts';
import { isLocale, localeFromAcceptLanguage, translator } from '../i18n/index.ts';
import type { Renderer } from '../view-helpers/renderer.ts';
import { presentLayout } from '../presenters/layout.ts';
import { presentMySanctions } from '../presenters/moderation.ts';
import type { PageOptions } from '../http-types.ts';
import type { Services } from '../services/index.ts';
import { UNREAD_CAP } from '../services/notification-service.ts';

export const LANG_COOKIE = 'entraide_lang';

const FALLBACK_SETTINGS = { id: 1, name: 'Entraide', description: '', registration_mode: 'closed', updated_at: new Date(0) } as const;

export function sessionCookieName(config: Config): string {
  // The __Host- prefix makes the browser refuse the cookie unless Secure, path=/ and no Domain.
  return config.secure ? '__Host-entraide_session' : 'entraide_session';
}

export default fp(async function web(app, opts: { config: Config; renderer: Renderer; services: Services }) {
  const { config, renderer, services } = opts;
  const cookieName = sessionCookieName(config);

  // Micro-cache of the pages visitors without an account see (walls, posts, tags): the same for
  // all of them, so for a few seconds they are served again without touching the database.
  // The CSRF token of the layout's forms is per visitor: the cached HTML holds a slot that is
  // filled for each response. Any state-changing request on this instance empties the cache, so
  // what someone just did shows at once here; other instances catch up within the TTL.
  const pageCache = new Map<string, { html: string; expires: number }>();
  const PAGE_CACHE_MAX = 2000;
  const CSRF_SLOT = `csrf-slot-${randomBytes(12).toString('hex')}`;
  const cacheKey = (request: FastifyRequest) => `${request.locale}\u0000${request.url}`;
  const cacheable = (request: FastifyRequest) =>
    config.pageCacheSeconds > 0 && request.method === 'GET' && !request.viewer && !!request.routeOptions.config?.anonymousPageCache;

  // Only requests that went through (not refused ones, which anybody can send) empty it.
  app.addHook('onResponse', async (request, reply) => {
    if (pageCache.size > 0 && request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400) pageCache.clear();
  });

  app.addHook('preHandler', async (request, reply) => {
    if (!cacheable(request)) return;
    const hit = pageCache.get(cacheKey(request));
    if (!hit) return;
    if (hit.expires < Date.now()) {
      pageCache.delete(cacheKey(request));
      return;
    }
    reply.header('x-page-cache', 'hit');
    return reply.code(200).type('text/html; charset=utf-8').send(hit.html.replaceAll(CSRF_SLOT, reply.generateCsrf()));
  });

  app.decorateRequest('viewer', null);
  app.decorateRequest('locale', config.defaultLocale);
  app.decorateRequest('t', null as never);
  app.decorateRequest('meta', null as never);

  app.decorateReply('setSessionCookie', function (this: FastifyReply, token: string, expiresAt: Date) {
    this.setCookie(cookieName, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secure, expires: expiresAt });
  });
  app.decorateReply('clearSessionCookie', function (this: FastifyReply) {
    this.clearCookie(cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secure });
  });

  app.addHook('onRequest', async (request, reply) => {
    request.meta = { ip: request.ip, requestId: request.id, userAgent: String(request.headers['user-agent'] ?? '').slice(0, 512) };
    // Language first (an error in the session lookup still gets the right words): the switch's
    // cookie, else the browser's preference; a signed-in person's saved choice refines it below.
    const chosen = request.cookies[LANG_COOKIE];
    const setLocale = (locale: Locale) => {
      request.locale = locale;
      request.t = translator(locale);
    };
    setLocale(isLocale(chosen) ? chosen : (localeFromAcceptLanguage(request.headers['accept-language']) ?? config.defaultLocale));

    if (request.routeOptions.config?.anonymousOnly || request.url.startsWith('/static/')) return;
    const token = request.cookies[cookieName];
    if (!token) return;
    // Cached per session (server/services/session-service.ts): no statement on most requests.
    const result = await services.sessions.validate(token, request.ip);
    if (!result) {
      reply.clearSessionCookie();
      return;
    }
    request.viewer = result.viewer;
    if (result.renewedExpiresAt) reply.setSessionCookie(token, result.renewedExpiresAt);
    if (!isLocale(chosen) && isLocale(result.viewer.locale)) setLocale(result.viewer.locale);
  });

  // Accounts waiting for approval (or refused) see only their status page.
  app.addHook('preHandler', async (request, reply) => {
    const viewer = request.viewer;
    if (!viewer || (viewer.status === 'active' && !viewer.mustAcknowledge) || request.routeOptions.config?.allowInactive) return;
    // Suspended members, and members with a warning to acknowledge, see their sanction first
    // (the appeal form is there); nothing else is open to them.
    if (viewer.status === 'suspended' || viewer.mustAcknowledge) {
      if (request.routeOptions.config?.allowSanctioned) return;
      const sanctions = await services.moderation.mySanctions(viewer);
      await reply.page('moderation/sanctioned', presentMySanctions(sanctions, request.t, request.locale), { status: 403, title: request.t('moderation.sanctions.title') });
      return reply;
    }
    await reply.page('account/inactive', { status: viewer.status }, { status: 403, title: request.t(`account.inactive.${viewer.status}.title`) });
    return reply;
  });

  app.decorateReply('page', async function (this: FastifyReply, template: string, data: Record<string, unknown> = {}, options: PageOptions = {}) {
    const request: FastifyRequest = this.request;
    // The error page must render even when the database does not answer.
    const settings = await services.settings.getCached().catch(() => FALLBACK_SETTINGS);
    const unreadCount =
      request.viewer?.status === 'active' ? await services.notifications.unread(request.viewer).catch(() => 0) : 0;
    const store = cacheable(request) && (options.status ?? 200) === 200;
    // Moderators see how many cases wait in the header (the live layer updates it later).
    const moderationCount = request.viewer?.status === 'active' ? await services.moderation.openCount(request.viewer).catch(() => undefined) : undefined;
    const context = {
      unreadCount,
      unreadLabel: unreadCount > UNREAD_CAP ? `${UNREAD_CAP}+` : String(unreadCount),
      moderationCount,
      // Live updates catch up from here (static/js/live.js; the hub reaches back a window).
      liveSince: Date.now(),
      ...presentLayout({
        request: { url: request.url, locale: request.locale, query: request.query },
        viewer: request.viewer,
        settings,
        csrfToken: store ? CSRF_SLOT : this.generateCsrf(),
        t: request.t,
        title: options.title,
      }),
      ...data,
    };
    let body: string | Buffer;
    if (store) {
      const html = renderer.page(template, context);
      if (pageCache.size >= PAGE_CACHE_MAX) pageCache.clear();
      pageCache.set(cacheKey(request), { html, expires: Date.now() + config.pageCacheSeconds * 1000 });
      body = html.replaceAll(CSRF_SLOT, this.generateCsrf());
    } else {
      // Bytes: encoded once here, the fragments already encoded (server/view-helpers/helpers.ts).
      body = renderer.pageBytes(template, context);
    }
    return this.code(options.status ?? this.statusCode ?? 200).type('text/html; charset=utf-8').send(body);
  });
});
