// The live hub: the websocket connections of this instance, what each one follows, and the
// delivery of bus events to them (design.md, "live").
//
// Rules that are not obvious:
// - Events travel as ids (server/repos/live-events.ts). For each event the channel's handler
//   re-reads the rows and asks the live service what each subscriber may see, with the same
//   policies as the pages, at each delivery: a subscriber who may no longer see a post (its
//   visibility changed) gets `revoked` and is unsubscribed.
// - Catch-up: each event carries its id and time. A client subscribes with `since` (the time of
//   the last event it saw, or the page's render time) and gets again every event of the channel
//   created from CATCH_UP_WINDOW_MS before that time. Ids come from a sequence in insert order,
//   not commit order, so "after the last id" could miss a slow transaction; reaching back a
//   window cannot, and the client drops event ids it has seen and replaces elements by id, so a
//   repeated event changes nothing. When the listener itself reconnects, every channel with
//   subscribers here catches up the same way from when the connection was lost.
// - Events of one channel are delivered in order (one queue per channel).
// - Signing out, revoking a session or changing the password sends a bus message (`t: 's'`):
//   every instance re-checks that member's sockets and closes those whose session ended (4401).
//   A periodic sweep also closes sockets whose session expired.
// - Content-cache invalidations of other instances arrive here (`t: 'c'`) and are applied to
//   this instance's cache; when the listener reconnects the whole cache is cleared, since
//   invalidations may have been missed.
//
// Channels are a registry (`registerChannel`): `post:<id>` and `user:<id>` are defined in
// server/live/channels.ts, `topic:<id>` and `feed:<member>` in server/live/topic-channels.ts.
// A feature adds its own with
// `hub.registerChannel({ prefix, authorize, deliver })`: authorize with the page's policy
// through a service, deliver by asking a service for each subscriber's view of the event and
// rendering the page's partials with `renderFor`. Its services record events with
// recordLiveEvents(trx, [{ channel: 'topic:12', kind: 'reply', subjectId: replyId }]).
// What static/js/live.js does with a delivery `{ op: 'upsert', el, parent, html, text, insert }`:
// replaces the element with id `el` if the page has it; otherwise inserts it under `parent` (a
// reply) or in the `[data-live-comments]` list of the page's `[data-live="<channel>"]` section,
// in id order (unless `insert: false`), and announces `text`. So a topic page marks its replies
// list with data-live-comments; a feed's "N new posts" banner is an element the page renders
// hidden (id="feed-new", data-live-banner) whose count the script raises at each `{ op: 'feed', post }`,
// never the posts themselves. A list marked data-live-append="false" (not the last page) gets
// nothing inserted: the section's hidden [data-live-more] notice is shown instead. An upsert
// with `announce: true` is announced even when it replaces an element (a topic's header).
// `{ op: 'remove', el }` removes an element; `{ op: 'unread', count, html?, el? }` updates the
// header count and the notifications list.
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Locale } from '../config.ts';
import { translator } from '../i18n/index.ts';
import type { Services, Viewer } from '../services/index.ts';
import type { LiveEvent } from '../services/live-service.ts';
import type { Renderer } from '../view-helpers/renderer.ts';
import { cacheTags } from '../services/content-cache.ts';

export const CLOSE = {
  /** a frame that is not a JSON message of a known type */
  badMessage: 4400,
  /** the session ended (logout, revoked, password changed, expired) */
  sessionEnded: 4401,
  /** more messages than allowed */
  tooManyMessages: 4429,
  /** ws closes an oversized frame with 1009 by itself (maxPayload) */
  tooBig: 1009,
  goingAway: 1001,
} as const;

export interface HubOptions {
  maxSubscriptions: number;
  /** message rate: a bucket of `burst` tokens refilled at `perSecond` */
  burst: number;
  perSecond: number;
  maxPayloadBytes: number;
  heartbeatMs: number;
  sessionSweepMs: number;
  catchUpWindowMs: number;
  catchUpLimit: number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  maxSubscriptions: 20,
  burst: 30,
  perSecond: 5,
  maxPayloadBytes: 2048,
  heartbeatMs: 30_000,
  sessionSweepMs: 60_000,
  catchUpWindowMs: 120_000,
  catchUpLimit: 500,
};

export interface Subscriber {
  readonly id: number;
  readonly viewer: Viewer | null;
  readonly locale: Locale;
  readonly csrfToken: string;
  send(message: Record<string, unknown>): void;
}

/** What a channel's handler answers for one subscriber: a message, "revoked", or nothing. */
export type Delivery = Record<string, unknown> | 'revoked' | null;

export interface ChannelType {
  /** `post` for channels named `post:<id>` (ids are positive integers) */
  prefix: string;
  authorize(viewer: Viewer | null, id: number): Promise<boolean>;
  deliver(event: LiveEvent, subscribers: readonly Subscriber[], hub: Hub): Promise<Delivery[]>;
}

/** What the hub uses of a `ws` socket (the project has no types for `ws`). */
export interface LiveSocket {
  readonly readyState: number;
  readonly OPEN: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): void;
  on(event: 'pong' | 'close' | 'error', listener: () => void): void;
}

interface Connection extends Subscriber {
  /** re-read when the member's sessions change (recheckSessions) */
  viewer: Viewer | null;
  socket: LiveSocket;
  subs: Set<string>;
  alive: boolean;
  tokens: number;
  refilledAt: number;
}

export type Hub = ReturnType<typeof createHub>;

const CHANNEL_RE = /^([a-z]{1,20}):([1-9][0-9]{0,14})$/;

export function createHub(deps: { services: Services; renderer: Renderer; log: FastifyBaseLogger; instanceId: string; options?: Partial<HubOptions> }) {
  const { services, renderer, log } = deps;
  const options: HubOptions = { ...DEFAULT_HUB_OPTIONS, ...deps.options };
  const instanceId = deps.instanceId;
  const types = new Map<string, ChannelType>();
  // renderFor's shared renderings, kept for one event's delivery only.
  const rendered = new Map<string, string>();
  const CSRF_SLOT = `csrf-slot-${randomBytes(12).toString('hex')}`;
  const channels = new Map<string, Set<Connection>>();
  const byUser = new Map<number, Set<Connection>>();
  const queues = new Map<string, Promise<void>>();
  const connections = new Set<Connection>();
  let nextId = 1;
  let timers: NodeJS.Timeout[] = [];

  function send(conn: Connection, message: Record<string, unknown>) {
    if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(JSON.stringify(message));
  }

  function unsubscribe(conn: Connection, channel: string) {
    conn.subs.delete(channel);
    const set = channels.get(channel);
    set?.delete(conn);
    if (set?.size === 0) channels.delete(channel);
  }

  function drop(conn: Connection) {
    if (!connections.delete(conn)) return;
    for (const ch of [...conn.subs]) unsubscribe(conn, ch);
    if (conn.viewer) {
      const set = byUser.get(conn.viewer.id);
      set?.delete(conn);
      if (set?.size === 0) byUser.delete(conn.viewer.id);
    }
  }

  /** Delivers events to some subscribers of their channel (all of them when `only` is absent), in order. */
  function enqueue(channel: string, events: readonly LiveEvent[], only?: Connection) {
    const previous = queues.get(channel) ?? Promise.resolve();
    const run = previous.then(async () => {
      const type = types.get(channel.split(':')[0]!);
      if (!type) return;
      for (const event of events) {
        const subs = [...(channels.get(channel) ?? [])].filter((c) => !only || c === only);
        if (!subs.length) return;
        let out: Delivery[];
        try {
          out = await type.deliver(event, subs, hub);
        } finally {
          rendered.clear();
        }
        subs.forEach((conn, i) => {
          const d = out[i];
          if (d === 'revoked') {
            unsubscribe(conn, channel);
            send(conn, { type: 'revoked', ch: channel });
          } else if (d) {
            send(conn, { type: 'event', ch: channel, ev: event.id, at: event.at, ...d });
          }
        });
      }
    });
    const settled = run.catch((err: unknown) => log.error({ err, channel }, 'live delivery failed'));
    queues.set(channel, settled);
    void settled.then(() => {
      if (queues.get(channel) === settled) queues.delete(channel);
    });
    return settled;
  }

  async function catchUp(channel: string, since: number, only?: Connection) {
    const from = new Date(Math.max(0, since - options.catchUpWindowMs));
    const events = await services.live.eventsSince([channel], from, options.catchUpLimit + 1);
    if (events.length > options.catchUpLimit) {
      // Too much happened: the page is better reloaded than patched.
      for (const conn of only ? [only] : (channels.get(channel) ?? [])) send(conn, { type: 'reload', ch: channel, text: translator(conn.locale)('notifications.live.reload') });
      return;
    }
    await enqueue(channel, events, only);
  }

  async function subscribe(conn: Connection, channel: string, since: number | undefined) {
    const m = CHANNEL_RE.exec(channel);
    const type = m ? types.get(m[1]!) : undefined;
    if (!m || !type) return send(conn, { type: 'refused', ch: channel, reason: 'unknown' });
    if (conn.subs.has(channel)) return send(conn, { type: 'subscribed', ch: channel });
    if (conn.subs.size >= options.maxSubscriptions) return send(conn, { type: 'refused', ch: channel, reason: 'limit' });
    if (!(await type.authorize(conn.viewer, Number(m[2])))) return send(conn, { type: 'refused', ch: channel, reason: 'not_found' });
    if (!connections.has(conn)) return;
    conn.subs.add(channel);
    let set = channels.get(channel);
    if (!set) channels.set(channel, (set = new Set()));
    set.add(conn);
    send(conn, { type: 'subscribed', ch: channel });
    if (since !== undefined) await catchUp(channel, since, conn);
    send(conn, { type: 'synced', ch: channel });
  }

  function take(conn: Connection): boolean {
    const t = Date.now();
    conn.tokens = Math.min(options.burst, conn.tokens + ((t - conn.refilledAt) / 1000) * options.perSecond);
    conn.refilledAt = t;
    if (conn.tokens < 1) return false;
    conn.tokens -= 1;
    return true;
  }

  function onMessage(conn: Connection, data: unknown, isBinary: boolean) {
    if (!take(conn)) return conn.socket.close(CLOSE.tooManyMessages, 'too many messages');
    let msg: unknown;
    try {
      if (isBinary) throw new Error('binary');
      msg = JSON.parse(String(data));
    } catch {
      return conn.socket.close(CLOSE.badMessage, 'malformed message');
    }
    const m = msg as { type?: unknown; ch?: unknown; since?: unknown };
    const valid =
      !!msg &&
      typeof msg === 'object' &&
      !Array.isArray(msg) &&
      Object.keys(msg).every((k) => k === 'type' || k === 'ch' || k === 'since') &&
      (m.type === 'ping' ||
        ((m.type === 'sub' || m.type === 'unsub') &&
          typeof m.ch === 'string' &&
          m.ch.length <= 40 &&
          (m.since === undefined || (typeof m.since === 'number' && Number.isSafeInteger(m.since) && m.since >= 0))));
    if (!valid) return conn.socket.close(CLOSE.badMessage, 'unknown message');
    if (m.type === 'ping') return send(conn, { type: 'pong' });
    const channel = m.ch as string;
    if (m.type === 'unsub') return unsubscribe(conn, channel);
    void subscribe(conn, channel, m.since as number | undefined).catch((err: unknown) => {
      log.error({ err, channel }, 'live subscription failed');
      send(conn, { type: 'refused', ch: channel, reason: 'error' });
    });
  }

  /**
   * Something about these members' sessions changed (sessionsChanged): a socket whose session
   * ended closes; the others take the member as they are now (role, status, warning), which each
   * channel checks again at every delivery.
   */
  async function recheckSessions(conns: Connection[]) {
    const withSession = conns.filter((c) => c.viewer);
    const current = await services.sessions.current(withSession.map((c) => c.viewer!.sessionId));
    for (const c of withSession) {
      const viewer = current.get(c.viewer!.sessionId);
      if (viewer) {
        c.viewer = viewer;
      } else {
        drop(c);
        c.socket.close(CLOSE.sessionEnded, 'session ended');
      }
    }
  }

  function onBusMessage(msg: Record<string, unknown>) {
    if (msg.t === 'e' && typeof msg.c === 'string' && typeof msg.i === 'number' && typeof msg.s === 'number') {
      // A notification, or notifications read: the member's cached header count is out of date,
      // whether or not they have a page open here.
      if (msg.c.startsWith('user:')) services.cache.invalidateLocal([cacheTags.unread(Number(msg.c.slice(5)))]);
      if (!channels.has(msg.c)) return;
      enqueue(msg.c, [{ id: msg.i, channel: msg.c, kind: String(msg.k), subjectId: msg.s, at: Number(msg.a) }]);
    } else if (msg.t === 's' && typeof msg.u === 'number') {
      // Sessions, role, status, locale or sanctions changed (sessionsChanged): cached lookups go.
      services.cache.invalidateLocal([cacheTags.sessions(msg.u)]);
      const conns = byUser.get(msg.u);
      if (conns) void recheckSessions([...conns]).catch((err: unknown) => log.error({ err }, 'live session check failed'));
    } else if (msg.t === 'c' && msg.o !== instanceId && Array.isArray(msg.g)) {
      // Local only: announcing it again would send it back to its origin, and on for ever.
      services.cache.invalidateLocal(msg.g.filter((g): g is string => typeof g === 'string'));
    }
  }

  function onBusReconnect(downSince: Date) {
    services.cache.clear();
    for (const channel of channels.keys()) void catchUp(channel, downSince.getTime());
  }

  const hub = {
    options,
    registerChannel(type: ChannelType) {
      types.set(type.prefix, type);
    },

    /** A new websocket: the viewer comes from the session cookie (checked by the route). */
    accept(socket: LiveSocket, who: { viewer: Viewer | null; locale: Locale; csrfToken: string }) {
      const conn: Connection = {
        id: nextId++,
        socket,
        viewer: who.viewer,
        locale: who.locale,
        csrfToken: who.csrfToken,
        subs: new Set(),
        alive: true,
        tokens: options.burst,
        refilledAt: Date.now(),
        send: (message) => send(conn, message),
      };
      connections.add(conn);
      if (conn.viewer) {
        let set = byUser.get(conn.viewer.id);
        if (!set) byUser.set(conn.viewer.id, (set = new Set()));
        set.add(conn);
      }
      socket.on('message', (data, isBinary) => onMessage(conn, data, isBinary));
      socket.on('pong', () => {
        conn.alive = true;
      });
      socket.on('close', () => drop(conn));
      socket.on('error', () => drop(conn));
      send(conn, { type: 'hello', at: Date.now() });
    },

    /**
     * A partial as this subscriber sees it. Within one event's delivery, subscribers whose context
     * is the same (most of a thousand readers of a post) share one rendering: it is made once with
     * a slot for the CSRF token of the forms, which each subscriber's own token fills.
     */
    renderFor(sub: Subscriber, partial: string, context: Record<string, unknown>, currentPath: string): string {
      const key = `${partial}\u0000${sub.locale}\u0000${currentPath}\u0000${JSON.stringify(context)}`;
      let html = rendered.get(key);
      if (html === undefined) {
        html = renderer.partial(partial, { ...context, locale: sub.locale, csrfToken: CSRF_SLOT, currentPath });
        rendered.set(key, html);
      }
      return html.replaceAll(CSRF_SLOT, sub.csrfToken);
    },

    onBusMessage,
    onBusReconnect,

    start() {
      const heartbeat = setInterval(() => {
        for (const conn of connections) {
          if (!conn.alive) {
            drop(conn);
            conn.socket.terminate();
            continue;
          }
          conn.alive = false;
          conn.socket.ping();
        }
      }, options.heartbeatMs);
      const sweep = setInterval(() => {
        void recheckSessions([...connections]).catch(() => {});
      }, options.sessionSweepMs);
      timers = [heartbeat, sweep];
      for (const t of timers) t.unref();
    },

    /** Restarts the timers after `options` changed (tests shorten the heartbeat). */
    retime() {
      for (const t of timers) clearInterval(t);
      hub.start();
    },

    stop() {
      for (const t of timers) clearInterval(t);
      for (const conn of [...connections]) {
        drop(conn);
        conn.socket.close(CLOSE.goingAway, 'server stopping');
      }
    },
  };
  return hub;
}
