// The listening half of the event bus: one LISTEN per instance on the bus channel (see
// server/repos/live-events.ts for the sending half). Rules that are not obvious:
// - On PGlite, listen() is in-process (one instance, which is all PGlite allows).
// - On Postgres, LISTEN needs a connection of its own, outside the pool, and pg.Client does not
//   reconnect: on error or end we reconnect with backoff, and a periodic ping detects a
//   connection that died silently. After a reconnect `onReconnect(downSince)` lets the owner
//   catch up on what was sent while nobody listened (NOTIFY is not kept for absent listeners).
import pg from 'pg';
import type { DatabaseHandle } from '../db/connection.ts';
import { busChannelName } from '../repos/live-events.ts';

export interface BusHandlers {
  onMessage(payload: Record<string, unknown>): void;
  onReconnect(downSince: Date): void;
}

export interface BusOptions {
  pingMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (msg: string, err?: unknown) => void;
}

export interface Bus {
  start(handlers: BusHandlers): Promise<void>;
  stop(): Promise<void>;
  /** the Postgres backend pid of the LISTEN connection (tests terminate it) */
  readonly backendPid: number | undefined;
  readonly connected: boolean;
}

function parse(text: string | undefined): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function createBus(database: DatabaseHandle, options: BusOptions = {}): Bus {
  const log = options.log ?? (() => {});
  let stopped = false;
  let connected = false;
  let backendPid: number | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let client: pg.Client | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let handlers: BusHandlers;

  async function startPglite() {
    const pglite = database.pglite!;
    const name = await busChannelName(database.db);
    unlisten = await pglite.listen(name, (payload) => {
      const msg = parse(payload);
      if (msg) handlers.onMessage(msg);
    });
    connected = true;
  }

  // ---- Postgres ------------------------------------------------------------------------
  const minBackoff = options.minBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  let backoff = minBackoff;
  let downSince: Date | undefined;

  function lost(c: pg.Client, err?: unknown) {
    if (client !== c) return;
    client = undefined;
    connected = false;
    backendPid = undefined;
    downSince ??= new Date();
    clearInterval(pingTimer);
    c.removeAllListeners('notification');
    c.end().catch(() => {});
    if (stopped) return;
    log('live: LISTEN connection lost, reconnecting', err);
    scheduleConnect();
  }

  function scheduleConnect() {
    clearTimeout(retryTimer);
    const delay = Math.round(backoff * (0.5 + Math.random() / 2));
    backoff = Math.min(backoff * 2, maxBackoff);
    retryTimer = setTimeout(() => void connectPostgres().catch(() => {}), delay);
  }

  async function connectPostgres(): Promise<void> {
    if (stopped) return;
    // Same server, user and search_path as the pool, but a connection of its own.
    const poolOptions = (database.pool as unknown as { options: pg.ClientConfig }).options;
    const c = new pg.Client({ ...poolOptions, keepAlive: true });
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c));
    client = c;
    try {
      await c.connect();
      // The pool's connections share this one's database and search_path, so the same name.
      const name = await busChannelName(database.db);
      const { rows } = await c.query<{ pid: number }>('select pg_backend_pid() as pid');
      c.on('notification', (n) => {
        const msg = parse(n.payload);
        if (msg) handlers.onMessage(msg);
      });
      await c.query(`listen ${name}`);
      if (client !== c) return;
      backendPid = rows[0]!.pid;
      connected = true;
      backoff = minBackoff;
      pingTimer = setInterval(() => {
        c.query('select 1').catch((err: unknown) => lost(c, err));
      }, options.pingMs ?? 15_000);
      pingTimer.unref();
      const since = downSince;
      downSince = undefined;
      if (since) handlers.onReconnect(since);
    } catch (err) {
      lost(c, err);
      throw err;
    }
  }

  return {
    async start(h) {
      handlers = h;
      if (database.kind === 'pglite') return startPglite();
      await connectPostgres();
    },
    async stop() {
      stopped = true;
      connected = false;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      await unlisten?.().catch(() => {});
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
    get backendPid() {
      return backendPid;
    },
    get connected() {
      return connected;
    },
  };
}
