// The one websocket endpoint. The handshake is refused before the upgrade (403) unless the
// Origin is this instance's own: a page of another site must not open a socket with the
// visitor's cookie. The session cookie says who is there (no cookie: public content only);
// everything after the upgrade is the hub's (server/live/hub.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { expectedOrigin } from '../plugins/security.ts';
import type { Hub } from '../live/hub.ts';

export const LIVE_PATH = '/live';

export async function liveRoutes(app: FastifyInstance, opts: { hub: Hub }) {
  const { hub } = opts;
  // The pushed forms (like, delete) carry the visitor's CSRF token, derived from their secret
  // cookie; it is made while there is still a reply to make it with.
  const tokens = new WeakMap<FastifyRequest, string>();
  app.get(
    LIVE_PATH,
    {
      websocket: true,
      preValidation: async (request, reply) => {
        if (request.headers.origin !== expectedOrigin(app.config, request)) {
          request.log.warn({ origin: request.headers.origin ?? null }, 'refused a websocket from another origin');
          return reply.code(403).type('text/plain; charset=utf-8').send('Forbidden');
        }
        if (request.viewer) tokens.set(request, reply.generateCsrf());
      },
    },
    (socket, request) => {
      const who = { viewer: request.viewer, locale: request.locale, csrfToken: tokens.get(request) ?? '' };
      // Memory per idle connection: the plugin's error listener would keep this request and its
      // reply (logger, cookies, raw objects) alive as long as the socket, and the raw socket still
      // points at the upgrade's response. The hub's own listeners replace the former.
      socket.removeAllListeners('error');
      const raw = (socket as { _socket?: { _httpMessage?: unknown } })._socket;
      if (raw) raw._httpMessage = null;
      hub.accept(socket, who);
    },
  );
}
