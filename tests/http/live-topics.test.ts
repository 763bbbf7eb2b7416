// The live channels of the forum and the home feed: `topic:<id>` (new replies, edits, likes,
// deletions and moderators' changes, rendered by the topic page's own partials for each
// subscriber, caught up after a reconnect without duplicates, across two instances on Postgres)
// and `feed:<member>` (only the inbox owner hears that a post arrived), plus the unread count a
// reply in a topic pushes to its author.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { openTopic, replyInTopic } from '../support/social.ts';
import { onPostgres } from '../support/database.ts';
import { LiveClient, type LiveMessage } from '../support/live.ts';
import { openPostgres } from '../../server/db/connection.ts';
import type { User } from '../../server/db/schema.ts';

let t: TestApp;
const u = {} as Record<'author' | 'reader' | 'mod' | 'admin' | 'poster' | 'other', User>;
const c = {} as Record<keyof typeof u, Client>;
let cat: number;
const sockets: LiveClient[] = [];

async function open(client?: Client, app: TestApp = t) {
  const s = await LiveClient.open(app.origin, client ? { client } : {});
  sockets.push(s);
  return s;
}
const submit = async (cl: Client, path: string, fields: Record<string, string> = {}) => cl.submit(path, fields, { csrf: await cl.token() });

const newTopic = (title = 'Un sujet en direct') => openTopic(c.author, cat, title);
const reply = replyInTopic;
async function post(cl: Client, handle: string, body: string): Promise<number> {
  const res = await cl.submitMultipart(`/@${handle}/posts`, { body, visibility: 'public' }, {}, { csrf: await cl.token() });
  expect(res.status, res.text.slice(0, 300)).toBe(303);
  return Number(/#post-(\d+)/.exec(res.headers.location!)![1]);
}
const eventFor = (el: string) => (m: LiveMessage) => m.type === 'event' && m.el === el;
const strip = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, '');

beforeAll(async () => {
  t = await createTestApp({});
  u.author = await createUser(t.db, { handle: 'lt_author', displayName: 'Autrice Direct' });
  u.reader = await createUser(t.db, { handle: 'lt_reader', displayName: 'Lectrice Direct' });
  u.mod = await createUser(t.db, { handle: 'lt_mod', displayName: 'Modé Direct', role: 'moderator' });
  u.admin = await createUser(t.db, { handle: 'lt_admin', displayName: 'Admin Direct', role: 'admin' });
  u.poster = await createUser(t.db, { handle: 'lt_poster', displayName: 'Publie Souvent' });
  u.other = await createUser(t.db, { handle: 'lt_other', displayName: 'Autre Membre' });
  for (const k of Object.keys(u) as (keyof typeof u)[]) c[k] = await t.loggedIn(u[k].handle);
  const res = await submit(c.admin, '/admin/categories', { name: 'Direct', description: 'Sujets en direct', colour: '#225588', position: '1' });
  expect(res.status).toBe(303);
  cat = (await t.db.selectFrom('forum_categories').select('id').where('name', '=', 'Direct').executeTakeFirstOrThrow()).id;
  await t.db.insertInto('forum_categories').values({ name: 'Ailleurs', description: '', colour: '#883322', position: 2, restricted: false } as never).execute();
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t.close();
});

describe('topic channel', () => {
  it('is open to whoever may load the topic page, signed out too, and refused for a topic that does not exist', async () => {
    const id = await newTopic();
    expect((await (await open()).subscribe(`topic:${id}`)).type).toBe('synced');
    expect((await (await open(c.reader)).subscribe(`topic:${id}`)).type).toBe('synced');
    expect(await (await open(c.reader)).subscribe('topic:999999999')).toMatchObject({ type: 'refused', reason: 'not_found' });
    expect((await c.reader.get('/t/999999999')).status).toBe(404);
  });

  it("pushes a new reply rendered by the topic page's partial, with each viewer's own actions", async () => {
    const id = await newTopic();
    const authorS = await open(c.author);
    const anon = await open();
    await authorS.subscribe(`topic:${id}`);
    await anon.subscribe(`topic:${id}`);
    const r = await reply(c.reader, id, 'Bonne idée, **vraiment**');
    const forAuthor = await authorS.next(eventFor(`r-${r}`));
    const forAnon = await anon.next(eventFor(`r-${r}`));
    expect(forAuthor).toMatchObject({ op: 'upsert', parent: null });
    expect(String(forAuthor.html)).toContain('<strong>vraiment</strong>');
    // The same HTML as the page shows the author (CSRF tokens differ per page).
    const page = await c.author.get(`/t/${id}`);
    const li = new RegExp(`<li class="reply[^"]*" id="r-${r}">[\\s\\S]*?</li>`).exec(page.text)![0];
    expect(strip(String(forAuthor.html)).replace(/\s+/g, ' ')).toContain(strip(li).replace(/\s+/g, ' ').replace(' reply--unread', '').slice(0, 120));
    expect(String(forAuthor.html)).toContain(`/replies/${r}/like`);
    expect(String(forAuthor.html)).not.toContain(`/replies/${r}/edit`);
    // The visitor may neither like, quote, edit nor delete.
    expect(String(forAnon.html)).not.toContain('<form');
    expect(String(forAnon.html)).not.toContain('?quote=');
    // Its writer may edit it.
    const readerS = await open(c.reader);
    await readerS.subscribe(`topic:${id}`, Number(forAuthor.at));
    const caught = readerS.events(`topic:${id}`).find((e) => e.el === `r-${r}`);
    expect(String(caught?.html)).toContain(`/replies/${r}/edit`);
  });

  it('pushes edits, like counts (with the liker’s own state) and deletions', async () => {
    const id = await newTopic();
    const r = await reply(c.reader, id, 'Première version');
    const s = await open(c.other);
    const liker = await open(c.author);
    await s.subscribe(`topic:${id}`);
    await liker.subscribe(`topic:${id}`);
    await submit(c.reader, `/replies/${r}/edit`, { body: 'Version corrigée' });
    expect(String((await s.next(eventFor(`r-${r}`))).html)).toContain('Version corrigée');
    await submit(c.author, `/replies/${r}/like`, { next: `/t/${id}` });
    const other = await s.next(eventFor(`r-${r}`));
    expect(String(other.html)).toMatch(/1 j’aime/);
    expect(String(other.html)).toContain(`/replies/${r}/like"`);
    const own = await liker.next((m) => eventFor(`r-${r}`)(m) && /1 j’aime/.test(String(m.html)));
    expect(String(own.html)).toContain(`/replies/${r}/unlike"`);
    await submit(c.reader, `/replies/${r}/delete`);
    expect(await s.next(eventFor(`r-${r}`))).toMatchObject({ op: 'remove', el: `r-${r}` });
  });

  it('pushes the header when a moderator locks, unlocks, retitles or moves the topic', async () => {
    const id = await newTopic('Titre d’origine');
    const s = await open(c.reader);
    await s.subscribe(`topic:${id}`);
    await submit(c.mod, `/t/${id}/lock`, { reason: 'Le débat est clos' });
    const locked = await s.next(eventFor('topic-header'));
    expect(locked).toMatchObject({ op: 'upsert', insert: false });
    expect(String(locked.html)).toContain('Le débat est clos');
    await submit(c.mod, `/t/${id}/unlock`);
    expect(String((await s.next(eventFor('topic-header'))).html)).not.toContain('Le débat est clos');
    expect((await submit(c.mod, `/t/${id}/title`, { title: 'Nouveau titre' })).status).toBe(303);
    expect(String((await s.next(eventFor('topic-header'))).html)).toContain('Nouveau titre');
    const ailleurs = (await t.db.selectFrom('forum_categories').select('id').where('name', '=', 'Ailleurs').executeTakeFirstOrThrow()).id;
    expect((await submit(c.mod, `/t/${id}/move`, { categoryId: String(ailleurs) })).status).toBe(303);
    expect(String((await s.next(eventFor('topic-header'))).html)).toContain(`/c/${ailleurs}`);
  });

  it('catches up the replies written while the socket was down, once each', async () => {
    const id = await newTopic();
    const first = await open(c.other);
    await first.subscribe(`topic:${id}`, Date.now());
    const a = await reply(c.reader, id, 'Avant la coupure');
    const seen = await first.next(eventFor(`r-${a}`));
    first.close();
    await first.closed;
    const b = await reply(c.reader, id, 'Pendant la coupure');
    const d = await reply(c.author, id, 'Toujours pendant');
    const again = await open(c.other);
    await again.subscribe(`topic:${id}`, Number(seen.at));
    const events = again.events(`topic:${id}`);
    const els = events.map((e) => e.el);
    expect(els).toContain(`r-${b}`);
    expect(els).toContain(`r-${d}`);
    expect(events.filter((e) => e.el === `r-${a}`).every((e) => e.ev === seen.ev)).toBe(true);
    expect(new Set(events.map((e) => e.ev)).size).toBe(events.length);
  });

  it("marks the topic page's replies list for live insertion on the last page only, with a notice elsewhere", async () => {
    const id = await newTopic();
    const last = await c.reader.get(`/t/${id}`);
    expect(last.text).toContain(`data-live="topic:${id}"`);
    expect(last.text).toMatch(/<ol class="reply-list" data-live-comments>/);
    expect(last.text).toMatch(/data-live-more hidden><a href="\/t\/\d+\/unread">/);
    for (let i = 0; i < 21; i++) await reply(c.author, id, `Réponse ${i}`);
    const firstPage = await c.reader.get(`/t/${id}`);
    expect(firstPage.text).toMatch(/<ol class="reply-list" data-live-comments data-live-append="false">/);
  });
});

describe('notifications of topics', () => {
  it("pushes the topic author's unread count when someone replies, with the notification linking to the reply", async () => {
    const id = await newTopic();
    const s = await open(c.author);
    await s.subscribe(`user:${u.author.id}`);
    const unread = () => t.db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', u.author.id).where('read_at', 'is', null).executeTakeFirstOrThrow();
    const before = Number((await unread()).n);
    const r = await reply(c.reader, id, 'Je réponds à ton sujet');
    const m = await s.next((x) => x.type === 'event' && x.op === 'unread' && String(x.html ?? '').includes(`/t/${id}/r/${r}`));
    expect(Number(m.count)).toBe(before + 1);
    const page = await c.author.get('/notifications');
    expect(page.text).toContain(`/t/${id}/r/${r}`);
  });

  it('pushes new_follower to the followed member, and nothing to someone else', async () => {
    const s = await open(c.poster);
    await s.subscribe(`user:${u.poster.id}`);
    expect((await c.other.submit('/@lt_poster/follow', {}, { from: '/@lt_poster' })).status).toBe(303);
    const m = await s.next((x) => x.type === 'event' && x.op === 'unread' && String(x.html ?? '').includes('/@lt_other'));
    expect(Number(m.count)).toBeGreaterThanOrEqual(1);
  });
});

describe('feed channel', () => {
  it('is refused to anyone but the inbox owner', async () => {
    expect(await (await open()).subscribe(`feed:${u.reader.id}`)).toMatchObject({ type: 'refused', reason: 'not_found' });
    expect(await (await open(c.other)).subscribe(`feed:${u.reader.id}`)).toMatchObject({ type: 'refused', reason: 'not_found' });
    expect((await (await open(c.reader)).subscribe(`feed:${u.reader.id}`)).type).toBe('synced');
  });

  it("tells the followers whose inbox a post entered, never the author or members it did not reach", async () => {
    expect((await c.reader.submit('/@lt_poster/follow', {}, { from: '/@lt_poster' })).status).toBe(303);
    expect((await c.mod.submit('/@lt_other/follow', {}, { from: '/@lt_other' })).status).toBe(303);
    const reader = await open(c.reader);
    const mod = await open(c.mod);
    const poster = await open(c.poster);
    await reader.subscribe(`feed:${u.reader.id}`);
    await mod.subscribe(`feed:${u.mod.id}`);
    await poster.subscribe(`feed:${u.poster.id}`);
    const p = await post(c.poster, 'lt_poster', 'Des nouvelles du jardin');
    expect(await reader.next((m) => m.type === 'event' && m.op === 'feed')).toMatchObject({ post: p, ch: `feed:${u.reader.id}` });
    // Then a post only the moderator's feed gets: the first event they hear is that one.
    const q = await post(c.other, 'lt_other', 'Autre chose');
    expect(await mod.next((m) => m.type === 'event' && m.op === 'feed')).toMatchObject({ post: q });
    // The author heard of neither (their own post, and one they do not follow): the home page they are on shows it by reload.
    const r = await post(c.reader, 'lt_reader', 'Je publie aussi');
    await c.poster.submit('/@lt_reader/follow', {}, { from: '/@lt_reader' });
    const s = await post(c.reader, 'lt_reader', 'Pour mes abonnés');
    expect(await poster.next((m) => m.type === 'event' && m.op === 'feed')).toMatchObject({ post: s });
    expect(poster.events(`feed:${u.poster.id}`).map((e) => e.post)).not.toContain(p);
    expect(poster.events(`feed:${u.poster.id}`).map((e) => e.post)).not.toContain(r);
  });

  it('renders the hidden "new posts" banner on the home feed, subscribed to the member’s own channel', async () => {
    const home = await c.reader.get('/');
    expect(home.text).toContain(`data-live="feed:${u.reader.id}" hidden`);
    expect(home.text).toMatch(/<a href="\/" id="feed-new" data-live-banner data-one="1 nouvelle publication : afficher" data-many="%n nouvelles publications : afficher">/);
  });
});

// Postgres only (CI's second pass runs it): the embedded database is one connection inside one
// process, so it can neither be shared by two server instances nor hold two transactions at once.
describe.skipIf(!onPostgres())('topic channel across two instances (Postgres)', () => {
  let b: TestApp;
  beforeAll(async () => {
    const schema = /search_path=(\S+)/.exec(String((t.database.pool as unknown as { options: { options: string } }).options.options))![1]!;
    b = await createTestApp({ database: openPostgres(inject('testDatabaseUrl')!, { schema, max: 5 }) });
  });
  afterAll(async () => {
    await b?.close();
    await b?.database.close();
  });

  it('delivers a reply written through instance A to a socket on instance B', async () => {
    const id = await newTopic();
    const otherOnB = await b.loggedIn('lt_other');
    const s = await open(otherOnB, b);
    expect((await s.subscribe(`topic:${id}`)).type).toBe('synced');
    const r = await reply(c.reader, id, 'Écrit sur A, lu sur B');
    const m = await s.next(eventFor(`r-${r}`));
    expect(String(m.html)).toContain('Écrit sur A, lu sur B');
    expect(String(m.html)).toContain(`/replies/${r}/like`);
  });
});
