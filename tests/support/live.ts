// A websocket client for the live endpoint, as a browser tab would open it: the tab's cookies,
// our Origin, and a queue of the messages received so tests can wait for one.
import { CookieAccessInfo } from 'cookiejar';
import type { Client } from './app.ts';

export type LiveMessage = Record<string, unknown> & { type: string };

export class LiveClient {
  ws: WebSocket;
  received: LiveMessage[] = [];
  private cursor = 0;
  private wake: (() => void) | undefined;
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;

  constructor(origin: string, opts: { client?: Client; origin?: string | null; path?: string } = {}) {
    const headers: Record<string, string> = {};
    if (opts.origin !== null) headers.origin = opts.origin ?? origin;
    const jar = (opts.client?.agent as unknown as { jar?: { getCookies(a: unknown): { toValueString(): string }[] } } | undefined)?.jar;
    const cookies = jar?.getCookies(CookieAccessInfo.All).map((c) => c.toValueString()).join('; ');
    if (cookies) headers.cookie = cookies;
    // Node's WebSocket (undici) takes headers as an extension of the browser API.
    this.ws = new WebSocket(origin.replace(/^http/, 'ws') + (opts.path ?? '/live'), { headers } as unknown as string[]);
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener('open', () => resolve());
      this.ws.addEventListener('error', () => reject(new Error('websocket refused')));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => this.ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })));
    this.ws.addEventListener('message', (e) => {
      this.received.push(JSON.parse(String(e.data)) as LiveMessage);
      this.wake?.();
    });
  }

  static async open(origin: string, opts: { client?: Client; origin?: string | null } = {}): Promise<LiveClient> {
    const c = new LiveClient(origin, opts);
    await c.opened;
    await c.next((m) => m.type === 'hello');
    return c;
  }

  send(message: unknown) {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message (after those already taken) that matches; fails after `timeoutMs`. */
  async next(match: (m: LiveMessage) => boolean, timeoutMs = 10_000): Promise<LiveMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.received.length) {
        const m = this.received[this.cursor++]!;
        if (match(m)) return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching live message; got ${JSON.stringify(this.received.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async subscribe(ch: string, since?: number): Promise<LiveMessage> {
    this.send({ type: 'sub', ch, ...(since !== undefined ? { since } : {}) });
    return this.next((m) => m.ch === ch && (m.type === 'synced' || m.type === 'refused'));
  }

  /** Every message received so far about this channel's events. */
  events(ch: string): LiveMessage[] {
    return this.received.filter((m) => m.type === 'event' && m.ch === ch);
  }

  close() {
    this.ws.close();
  }
}
