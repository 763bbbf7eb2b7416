// The one error handler. Browsers (Accept: text/html, or a form post) get a page in their
// language; other clients get JSON. A 5xx never shows its detail. Login-required errors on a
// page send the person to the login form and back.
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { translator } from '../i18n/index.ts';
import { AppError, TooManyRequestsError, UnauthenticatedError, ValidationError } from '../errors.ts';

export function wantsHtml(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '');
  const type = String(request.headers['content-type'] ?? '');
  return accept.includes('text/html') || type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data');
}

interface Described {
  status: number;
  key: string;
  params: Record<string, unknown>;
}

function describe(error: FastifyError | Error): Described {
  if (error instanceof AppError) return { status: error.statusCode, key: error.messageKey, params: error.params };
  const e = error as FastifyError;
  if (e.validation) return { status: 400, key: 'errors.badRequest', params: {} };
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  if (status === 413) return { status, key: 'errors.tooLarge', params: {} };
  if (status === 415) return { status, key: 'errors.unsupportedMediaType', params: {} };
  if (status === 429) return { status, key: 'errors.tooManyRequests', params: { minutes: 1 } };
  if (status === 404) return { status, key: 'errors.notFound', params: {} };
  if (status >= 500) return { status, key: 'errors.server', params: {} };
  return { status, key: 'errors.badRequest', params: {} };
}

export async function sendError(request: FastifyRequest, reply: FastifyReply, d: Described, fields?: string[]): Promise<void> {
  const message = request.t(d.key, d.params);
  if (!wantsHtml(request)) {
    await reply.code(d.status).type('application/json; charset=utf-8').send({ error: { status: d.status, message, ...(fields ? { fields } : {}) } });
    return;
  }
  await reply.page(
    'error',
    { status: d.status, heading: request.t(`errors.titles.${d.status}`, { defaultValue: request.t('errors.titles.generic') }), message },
    { status: d.status, title: request.t(`errors.titles.${d.status}`, { defaultValue: request.t('errors.titles.generic') }) },
  );
}

export function loginRedirect(request: FastifyRequest): string {
  const next = request.method === 'GET' ? request.url : '/';
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

export default fp(async function errors(app, { config }: { config: Config }) {
  // An error raised before the language was chosen (say, in the session lookup) still gets words.
  const ensureT = (request: FastifyRequest) => {
    if (!request.t) {
      request.locale = config.defaultLocale;
      request.t = translator(config.defaultLocale);
    }
  };

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    ensureT(request);
    if (error instanceof UnauthenticatedError && wantsHtml(request) && request.method === 'GET') {
      return reply.redirect(loginRedirect(request), 303);
    }
    const d = describe(error);
    if (d.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status: d.status, code: (error as FastifyError).code, msg: error.message }, 'request refused');
    if (error instanceof TooManyRequestsError) reply.header('retry-after', String(error.retryAfterSeconds));
    try {
      await sendError(request, reply, d, error instanceof ValidationError ? Object.keys(error.fields) : undefined);
    } catch (renderError) {
      request.log.error({ err: renderError }, 'error page failed to render');
      if (!reply.sent) await reply.code(d.status).type('text/plain; charset=utf-8').send(`Error ${d.status}`);
    }
    return reply;
  });

  app.setNotFoundHandler(async (request, reply) => {
    ensureT(request);
    await sendError(request, reply, { status: 404, key: 'errors.notFound', params: {} });
    return reply;
  });
});
