// A real app on a real database, listening on an ephemeral loopback port, and a small browser-
// like client: it keeps cookies, sends Origin like a browser does, and fills in the CSRF token
// from the page the form is on.
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import type { DatabaseHandle } from '../../server/db/connection.ts';
import { createTestDatabase } from './database.ts';
import { PASSWORD } from './factories.ts';

export interface TestApp {
  app: FastifyInstance;
  database: DatabaseHandle;
  db: DatabaseHandle['db'];
  origin: string;
  config: Config;
  client(): Client;
  /** A browser signed in as this member (factories' usual password unless given). */
  loggedIn(login: string, password?: string): Promise<Client>;
  close(): Promise<void>;
}

export async function createTestApp(
  options: { config?: Partial<Config>; env?: Record<string, string>; now?: () => Date; database?: DatabaseHandle } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  // Uploads go to a folder of this app's own, never to ./data.
  const dataDir = options.config?.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-app-')));
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      RATE_LIMIT_LOGIN_PER_MINUTE: '1000',
      RATE_LIMIT_SIGNUP_PER_HOUR: '1000',
      RATE_LIMIT_PASSWORD_PER_HOUR: '1000',
      RATE_LIMIT_POSTS_PER_MINUTE: '1000',
      ...options.env,
    },
    options.config,
  );
  const app = await buildApp({ config, database, ...(options.now ? { now: options.now } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const origin = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  return {
    app,
    database,
    db: database.db,
    origin,
    config,
    client: () => new Client(origin),
    async loggedIn(login, password) {
      const c = new Client(origin);
      await c.login(login, password);
      return c;
    },
    async close() {
      await app.close();
      if (!options.database) await database.close();
      if (!options.config?.dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on this page');
  return m[1]!;
}

export class Client {
  agent: ReturnType<typeof supertest.agent>;
  origin: string;
  lang: string | undefined;

  constructor(origin: string) {
    this.origin = origin;
    this.agent = supertest.agent(origin);
  }

  get(path: string) {
    return this.agent.get(path).set('accept', 'text/html');
  }

  private cachedToken: string | undefined;

  /** A CSRF token for this browser, fetched once: it stays valid as long as its secret cookie. */
  async token(): Promise<string> {
    this.cachedToken ??= await this.csrf('/');
    return this.cachedToken;
  }

  async csrf(fromPath = '/'): Promise<string> {
    const res = await this.get(fromPath);
    return csrfFrom(res.text);
  }

  /** Posts a form the way a browser does: from our origin, with the page's CSRF token. */
  async submit(path: string, fields: Record<string, string> = {}, opts: { from?: string; origin?: string | null; csrf?: string | null } = {}) {
    const token = opts.csrf === null ? undefined : (opts.csrf ?? (await this.csrf(opts.from ?? '/')));
    const req = this.agent.post(path).type('form').set('accept', 'text/html');
    if (opts.origin !== null) req.set('origin', opts.origin ?? this.origin);
    return req.send({ ...(token ? { _csrf: token } : {}), ...fields });
  }

  /** Posts an upload form (multipart) the way a browser does. */
  async submitMultipart(
    path: string,
    fields: Record<string, string> = {},
    files: Record<string, { buffer: Buffer; filename: string }> = {},
    opts: { from?: string; csrf?: string | null } = {},
  ) {
    const token = opts.csrf === null ? undefined : (opts.csrf ?? (await this.csrf(opts.from ?? '/')));
    const req = this.agent.post(path).set('accept', 'text/html').set('origin', this.origin);
    if (token) req.field('_csrf', token);
    for (const [k, v] of Object.entries(fields)) req.field(k, v);
    for (const [k, f] of Object.entries(files)) req.attach(k, f.buffer, f.filename);
    return req;
  }

  async login(login: string, password = PASSWORD) {
    const res = await this.submit('/login', { login, password }, { from: '/login' });
    if (res.status !== 303) throw new Error(`login failed for ${login}: ${res.status}\n${res.text.slice(0, 500)}`);
    return res;
  }
}
