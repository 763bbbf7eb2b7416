// buildApp() assembles the Fastify application without listening: tests drive it directly and
// server/main.ts adds the port, the signals and the database lifecycle.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/connection.ts';
import { createServices } from './services/index.ts';
import { createRenderer, VIEWS_DIR } from './view-helpers/renderer.ts';
import { TooManyRequestsError } from './errors.ts';
import { UPLOAD_LIMITS } from './routes/multipart.ts';
import security from './plugins/security.ts';
import web from './plugins/web.ts';
import errors from './plugins/errors.ts';
import { registerRoutes } from './routes/index.ts';
import websocket from '@fastify/websocket';
import { createBus } from './live/bus.ts';
import { createHub, type HubOptions } from './live/hub.ts';
import { moderationChannel, postChannel, userChannel } from './live/channels.ts';
import { feedChannel, topicChannel } from './live/topic-channels.ts';
import { liveRoutes } from './routes/live.ts';
import './http-types.ts';

export interface BuildOptions {
  config: Config;
  database: DatabaseHandle;
  /** close the database when the app closes (main does; tests manage it themselves) */
  closeDatabase?: boolean;
  now?: () => Date;
  /** live hub limits (tests shorten the heartbeat, the benchmark raises nothing) */
  live?: Partial<HubOptions>;
}

export async function buildApp({ config, database, closeDatabase = false, now, live }: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel, redact: ['req.headers.cookie', 'req.headers.authorization'] },
    // Fastify accepts a hop count at run time, though its types omit it.
    trustProxy: config.trustProxy as boolean | string,
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // Query strings and forms are parsed with repeated keys as arrays; schemas pin scalars, so
    // "email=a&email=b" is refused (400) rather than silently turned into something else.
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: true, allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });

  const instanceId = randomUUID();
  const services = createServices({ db: database.db, config, instanceId, broadcastCache: database.kind === 'postgres', ...(now ? { now } : {}) });
  app.decorate('services', services);
  const renderer = createRenderer(VIEWS_DIR);
  app.decorate('config', config);
  if (closeDatabase) app.addHook('onClose', async () => database.close());

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: config.bodyLimitBytes });
  // Upload forms: parsed before preHandler (so the CSRF check sees the token), files buffered
  // in memory up to the limits. An oversized file is cut and flagged (file.truncated) rather than
  // thrown, so the form can say so next to the field.
  await app.register(multipart, {
    attachFieldsToBody: true,
    throwFileSizeLimit: false,
    limits: { fileSize: UPLOAD_LIMITS.fileBytes, files: UPLOAD_LIMITS.files, fields: 40, fieldSize: 20_000, parts: 50, headerPairs: 200 },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new TooManyRequestsError(ctx.ttl / 1000),
  });
  await app.register(errors, { config });
  await app.register(security, { config });
  await app.register(web, { config, renderer, services });
  await app.register(fastifyStatic, {
    root: path.resolve(VIEWS_DIR, '../static'),
    prefix: '/static/',
    maxAge: config.env === 'production' ? '1d' : 0,
  });
  // Every route as registered (method and path), for the permission-matrix tests: a route
  // missing from a matrix fails its test.
  const routeList: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeList.push({ method, url: route.url });
  });
  app.decorate('routeList', routeList);
  await registerRoutes(app, config);

  // Live: the websocket hub fed by the LISTEN/NOTIFY bus (server/live/hub.ts).
  const hub = createHub({ services, renderer, log: app.log, instanceId, ...(live ? { options: live } : {}) });
  hub.registerChannel(postChannel(services));
  hub.registerChannel(userChannel(services));
  hub.registerChannel(topicChannel(services));
  hub.registerChannel(feedChannel(services));
  hub.registerChannel(moderationChannel(services));
  const bus = createBus(database, { log: (msg, err) => app.log.warn({ err }, msg) });
  app.decorate('live', { hub, bus });
  await app.register(websocket, { options: { maxPayload: hub.options.maxPayloadBytes } });
  await app.register(liveRoutes, { hub });
  app.addHook('onReady', async () => {
    await bus.start({ onMessage: hub.onBusMessage, onReconnect: hub.onBusReconnect });
    hub.start();
  });
  // Sockets close before the database does (onClose hooks run in reverse order of adding).
  app.addHook('preClose', async () => {
    hub.stop();
    await bus.stop();
  });
  return app;
}
