// Two server instances on the same Postgres (separate apps, pools and LISTEN connections): a
// comment posted through A reaches a socket on B, a private one never reaches a socket that may
// not see it, cache invalidations cross over, and when B's LISTEN connection is killed it
// reconnects and its subscribers catch up on what was written meanwhile. (PGlite is one
// process, one instance: these run on Postgres only.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import pg from 'pg';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { onPostgres } from '../support/database.ts';
import { createUser } from '../support/factories.ts';
import { LiveClient, type LiveMessage } from '../support/live.ts';
import { openPostgres } from '../../server/db/connection.ts';
import { idFrom } from '../support/social.ts';

// Postgres only (CI's second pass runs it): the embedded database is one connection inside one
// process, so it can neither be shared by two server instances nor hold two transactions at once.
describe.skipIf(!onPostgres())('two instances on one Postgres', () => {
  let a: TestApp;
  let b: TestApp;
  let aliceA: Client;
  let bobB: Client;
  let carolB: Client;
  const sockets: LiveClient[] = [];

  async function open(app: TestApp, client?: Client) {
    const s = await LiveClient.open(app.origin, client ? { client } : {});
    sockets.push(s);
    return s;
  }
  async function newPost(body: string, visibility = 'public'): Promise<number> {
    return idFrom(await aliceA.submitMultipart('/@li_alice/posts', { body, visibility }, {}, { csrf: await aliceA.token() }), 'post');
  }
  async function comment(c: Client, postId: number, body: string): Promise<number> {
    return idFrom(await c.submit(`/posts/${postId}/comments`, { body }, { csrf: await c.token() }), 'comment');
  }
  const eventFor = (el: string) => (m: LiveMessage) => m.type === 'event' && m.el === el;

  beforeAll(async () => {
    a = await createTestApp({});
    // Instance B: its own pool on the same schema, its own app, bus and hub.
    const schema = /search_path=(\S+)/.exec(String((a.database.pool as unknown as { options: { options: string } }).options.options))![1]!;
    const second = openPostgres(inject('testDatabaseUrl')!, { schema, max: 5 });
    b = await createTestApp({ database: second });
    await createUser(a.db, { handle: 'li_alice', displayName: 'Alice Instances' });
    await createUser(a.db, { handle: 'li_bob', displayName: 'Bob Instances' });
    await createUser(a.db, { handle: 'li_carol', displayName: 'Carol Instances' });
    aliceA = await a.loggedIn('li_alice');
    bobB = await b.loggedIn('li_bob');
    carolB = await b.loggedIn('li_carol');
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await b?.close();
    await b?.database.close();
    await a?.close();
  });

  it('delivers a comment posted through A to a socket on B', async () => {
    const postId = await newPost('Traverse les instances');
    const s = await open(b, bobB);
    await s.subscribe(`post:${postId}`);
    const id = await comment(aliceA, postId, 'Écrit sur A');
    const m = await s.next(eventFor(`comment-${id}`));
    expect(String(m.html)).toContain('Écrit sur A');
  });

  it("never delivers a private post's comment to a socket on B that may not see it", async () => {
    const open_ = await newPost('Ouvert');
    const secret = await newPost('Seulement les personnes mentionnées, dont @li_bob', 'mentioned');
    const carol = await open(b, carolB);
    const bob = await open(b, bobB);
    expect(await carol.subscribe(`post:${secret}`)).toMatchObject({ type: 'refused' });
    await carol.subscribe(`post:${open_}`);
    expect((await bob.subscribe(`post:${secret}`)).type).toBe('synced');
    const hidden = await comment(aliceA, secret, 'Un secret');
    const visible = await comment(aliceA, open_, 'Pour tout le monde');
    // Bob, mentioned, gets the secret; Carol gets the later public comment and nothing else.
    await bob.next(eventFor(`comment-${hidden}`));
    await carol.next(eventFor(`comment-${visible}`));
    expect(carol.received.some((m) => m.el === `comment-${hidden}` || String(m.html ?? '').includes('Un secret'))).toBe(false);
  });

  it('closes on B the socket of a session that logs out through A', async () => {
    await createUser(a.db, { handle: 'li_dora' });
    const onA = await a.loggedIn('li_dora');
    // The same browser (same cookie) has its socket on B, as behind a load balancer.
    const s = new LiveClient(b.origin, { client: onA });
    sockets.push(s);
    await s.opened;
    await s.next((m) => m.type === 'hello');
    await onA.submit('/logout', {}, { csrf: await onA.token() });
    expect(await s.closed).toMatchObject({ code: 4401 });
  });

  it("drops B's cached copy of a post when it is edited through A", async () => {
    const postId = await newPost('Version un');
    expect((await bobB.get(`/posts/${postId}`)).text).toContain('Version un');
    await aliceA.submit(`/posts/${postId}/edit`, { body: 'Version deux', visibility: 'public' }, { csrf: await aliceA.token() });
    // The invalidation travels after the commit: wait for it, bounded, rather than for the TTL.
    let text = '';
    for (let i = 0; i < 50 && !text.includes('Version deux'); i++) {
      text = (await bobB.get(`/posts/${postId}`)).text;
      if (!text.includes('Version deux')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toContain('Version deux');
  });

  it("reconnects B's LISTEN connection after it is killed, and its subscribers catch up", async () => {
    const postId = await newPost('Coupures');
    const s = await open(b, bobB);
    await s.subscribe(`post:${postId}`);
    const pid = b.app.live.bus.backendPid!;
    expect(pid).toBeTypeOf('number');
    const admin = new pg.Client({ connectionString: inject('testDatabaseUrl')! });
    await admin.connect();
    try {
      await admin.query('select pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    // Written while B may not be listening: B reads it back from the event log once reconnected.
    const id = await comment(aliceA, postId, 'Pendant la coupure du LISTEN');
    const m = await s.next(eventFor(`comment-${id}`), 20_000);
    expect(String(m.html)).toContain('Pendant la coupure');
    expect(b.app.live.bus.backendPid).not.toBe(pid);
    // And it listens again.
    const after = await comment(aliceA, postId, 'Après la reconnexion');
    await s.next(eventFor(`comment-${after}`));
    const ids = s.events(`post:${postId}`).map((e) => e.ev);
    const byEl = s.events(`post:${postId}`).filter((e) => e.el === `comment-${id}`);
    // Delivered live or by the catch-up (or both, with the same event id, which the script drops).
    expect(new Set(byEl.map((e) => e.ev)).size).toBe(1);
    expect(ids.length).toBeGreaterThanOrEqual(2);
  });
});
