// Headers, CSRF and Origin checks. Every non-GET request must come from our own origin (Origin
// header, or Referer when a browser omits Origin) and carry a valid CSRF token; both checks run in
// preHandler because the token is in the parsed body. Nothing is written before they pass.
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import Tokens from '@fastify/csrf';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { ForbiddenError } from '../errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function expectedOrigin(config: Config, request: FastifyRequest): string {
  if (config.publicUrl) return config.publicUrl.origin;
  return `${request.protocol}://${request.host}`;
}

function requestOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = request.headers.referer;
  if (typeof referer === 'string') {
    try {
      return new URL(referer).origin;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export default fp(async function security(app, { config }: { config: Config }) {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'self'"],
        'object-src': ["'none'"],
        // Only over HTTPS: on plain HTTP off localhost it would break every subresource.
        ...(config.secure ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    hsts: config.secure ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });

  // CSRF tokens in the double-submit style: a random secret in an HttpOnly cookie, and forms carry
  // a token derived from it (salted, so it differs on every page).
  const tokens = Tokens();
  const cookieKey = config.secure ? '__Host-entraide_csrf' : 'entraide_csrf';
  const secretOf = (request: FastifyRequest) => {
    const s = request.cookies[cookieKey];
    return typeof s === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(s) ? s : undefined;
  };

  app.decorateReply('generateCsrf', function (this: FastifyReply) {
    let secret = secretOf(this.request);
    if (!secret) {
      secret = tokens.secretSync() as string;
      // The secret is also kept on the request so every form of one page uses the same one.
      this.request.cookies[cookieKey] = secret;
      this.setCookie(cookieKey, secret, { path: '/', sameSite: 'lax', httpOnly: true, secure: config.secure });
    }
    return tokens.create(secret);
  });

  const checkCsrf = (request: FastifyRequest) => {
    const body = request.body as Record<string, unknown> | undefined;
    const field = body?._csrf;
    // A urlencoded form gives a string; a multipart form a field object with its value.
    const fromBody =
      typeof field === 'string' ? field : field && typeof field === 'object' && typeof (field as { value?: unknown }).value === 'string' ? (field as { value: string }).value : undefined;
    const fromHeader = request.headers['x-csrf-token'];
    const token = fromBody ?? (typeof fromHeader === 'string' ? fromHeader : undefined);
    const secret = secretOf(request);
    if (!secret || !token || !tokens.verify(secret, token)) {
      throw new ForbiddenError('errors.csrf', 'missing or invalid CSRF token');
    }
  };

  app.addHook('preHandler', async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    const origin = requestOrigin(request);
    if (origin !== expectedOrigin(config, request)) {
      request.log.warn({ origin: origin ?? null }, 'refused a request from another origin');
      throw new ForbiddenError('errors.badOrigin', 'cross-origin request');
    }
    checkCsrf(request);
  });
});
