// The discussion forum: categories (admins), topics and replies (members), moderation (pin, lock,
// move, retitle), likes on replies, quotes, permalinks, keyset pages of long topics, read
// positions and unread markers, follows of topics and categories, notifications, hashtags, the
// discussions index, and what each role may do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { msg, unescapeHtml } from '../support/html.ts';
import type { Role, User } from '../../server/db/schema.ts';

let t: TestApp;
const users = {} as Record<'member' | 'author' | 'moderator' | 'admin' | 'other', User>;
const clients = {} as Record<'anonymous' | 'member' | 'author' | 'moderator' | 'admin' | 'other', Client>;
let openCat: number;
let otherCat: number;
let restrictedCat: number;

const submit = async (c: Client, path: string, fields: Record<string, string> = {}) => c.submit(path, fields, { csrf: await c.token() });

async function newCategory(name: string, extra: Record<string, string> = {}): Promise<number> {
  const res = await submit(clients.admin, '/admin/categories', { name, description: `À propos de ${name}`, colour: '#aa3300', position: '1', ...extra });
  expect(res.status, res.text.slice(0, 400)).toBe(303);
  return (await t.db.selectFrom('forum_categories').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
}

async function newTopic(c: Client = clients.author, title = 'Un sujet', body = 'Le message d’ouverture.', cat = openCat): Promise<number> {
  const res = await submit(c, `/c/${cat}/topics`, { title, body });
  expect(res.status, res.text.slice(0, 400)).toBe(303);
  return Number(/^\/t\/(\d+)$/.exec(res.headers.location!)![1]);
}

async function newReply(c: Client, topicId: number, body: string): Promise<number> {
  const res = await submit(c, `/t/${topicId}/replies`, { body });
  expect(res.status, res.text.slice(0, 400)).toBe(303);
  return Number(new RegExp(`^/t/${topicId}/r/(\\d+)$`).exec(res.headers.location!)![1]);
}

const topicRow = (id: number) => t.db.selectFrom('topics').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const replyRow = (id: number) => t.db.selectFrom('topic_replies').selectAll().where('id', '=', id).executeTakeFirst();
const notificationsOf = (userId: number) => t.db.selectFrom('notifications').selectAll().where('user_id', '=', userId).orderBy('id').execute();
const replyIdsOn = (html: string) => [...html.matchAll(/<li class="reply[^"]*" id="r-(\d+)"/g)].map((m) => Number(m[1]));
const textareaOf = (html: string, name = 'body') => unescapeHtml(new RegExp(`<textarea id="field-${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1] ?? '');

beforeAll(async () => {
  t = await createTestApp();
  users.member = await createUser(t.db, { handle: 'tp_member', displayName: 'Membre Simple' });
  users.author = await createUser(t.db, { handle: 'tp_author', displayName: 'Autrice Sujet' });
  users.moderator = await createUser(t.db, { handle: 'tp_mod', displayName: 'Modé Ratrice', role: 'moderator' });
  users.admin = await createUser(t.db, { handle: 'tp_admin', displayName: 'Admin Istratrice', role: 'admin' });
  users.other = await createUser(t.db, { handle: 'tp_other', displayName: 'Autre Personne' });
  clients.anonymous = t.client();
  for (const k of ['member', 'author', 'moderator', 'admin', 'other'] as const) clients[k] = await t.loggedIn(users[k].handle);
  openCat = await newCategory('Entraide');
  otherCat = await newCategory('Jardinage', { position: '2' });
  restrictedCat = await newCategory('Annonces', { restricted: '1', position: '0' });
});
afterAll(async () => t.close());

describe('categories', () => {
  it('are created by an admin, recorded in the audit log, and listed in their order', async () => {
    const cat = await t.db.selectFrom('forum_categories').selectAll().where('id', '=', restrictedCat).executeTakeFirstOrThrow();
    expect(cat).toMatchObject({ name: 'Annonces', colour: '#aa3300', position: 0, restricted: true });
    const events = await t.db.selectFrom('audit_events').select(['action', 'actor_id', 'details']).where('action', '=', 'admin.category_created').execute();
    expect(events).toContainEqual({ action: 'admin.category_created', actor_id: users.admin.id, details: { categoryId: restrictedCat, name: 'Annonces', restricted: true } });
    const page = await clients.anonymous.get('/discussions');
    expect(page.status).toBe(200);
    const order = ['Annonces', 'Entraide', 'Jardinage'].map((n) => page.text.indexOf(`</span>${n}</a>`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('show the limit of each field in the form', async () => {
    const page = await clients.admin.get('/admin/categories');
    expect(page.text).toContain('maxlength="60"');
    expect(page.text).toContain('maxlength="500"');
    expect(page.text).toContain(msg('topics.admin.hints.position', { max: 9999 }));
  });

  it('are edited by an admin (audited with what changed)', async () => {
    const id = await newCategory('Brouillon');
    const res = await submit(clients.admin, `/admin/categories/${id}/edit`, { name: 'Vie du quartier', description: 'Ce qui se passe', colour: '#00AA11', position: '5' });
    expect(res.status).toBe(303);
    expect(await t.db.selectFrom('forum_categories').select(['name', 'colour', 'position', 'restricted']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({
      name: 'Vie du quartier',
      colour: '#00aa11',
      position: 5,
      restricted: false,
    });
    const event = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'admin.category_updated').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(event.details).toMatchObject({ categoryId: id, name: 'Vie du quartier', position: 5 });
  });

  it('refuses a bad colour and a taken name next to the fields, keeping the input', async () => {
    const res = await submit(clients.admin, '/admin/categories', { name: 'entraide', description: 'Doublon <b>', colour: 'rouge', position: 'x' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(msg('topics.errors.colour'));
    expect(res.text).toContain(msg('topics.errors.position', { max: 9999 }));
    expect(textareaOf(res.text, 'description')).toBe('Doublon <b>');
    const dup = await submit(clients.admin, '/admin/categories', { name: 'ENTRAIDE', colour: '#123456', position: '3' });
    expect(dup.status).toBe(422);
    expect(dup.text).toContain(msg('topics.errors.categoryTaken'));
  });

  it.each([
    ['anonymous', 401],
    ['member', 404],
    ['moderator', 404],
  ] as const)('are not managed by %s (%i)', async (role, status) => {
    const before = (await t.db.selectFrom('forum_categories').select('id').execute()).length;
    const res = await clients[role].submit('/admin/categories', { name: `Par ${role}`, colour: '#000000', position: '1' }, { from: '/' });
    expect(res.status).toBe(status);
    expect((await t.db.selectFrom('forum_categories').select('id').execute()).length).toBe(before);
    if (role !== 'anonymous') expect((await clients[role].get('/admin/categories')).status).toBe(404);
  });
});

describe('topics and replies', () => {
  it('are read by signed-out visitors, who get a link to log in instead of the reply form', async () => {
    const id = await newTopic(clients.author, 'Qui a une perceuse ?', 'J’ai besoin d’une **perceuse** <script>x</script>');
    const res = await clients.anonymous.get(`/t/${id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Qui a une perceuse ?');
    expect(res.text).toContain('<strong>perceuse</strong>');
    expect(res.text).not.toContain('<script>x');
    expect(res.text).not.toContain('id="reply-form"');
    expect(res.text).toContain(msg('topics.loginToReply'));
    const cat = await clients.anonymous.get(`/c/${openCat}`);
    expect(cat.text).toContain('Qui a une perceuse ?');
  });

  it('refuses a title over 150 characters and an empty message, keeping what was typed', async () => {
    const res = await submit(clients.member, `/c/${openCat}/topics`, { title: 'x'.repeat(151), body: '' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(msg('validation.tooLong', { max: 150 }));
    expect(res.text).toContain(msg('topics.errors.emptyBody'));
    expect(res.text).toContain(`value="${'x'.repeat(151)}"`);
    expect(await newTopic(clients.member, 'y'.repeat(150))).toBeGreaterThan(0);
  });

  it('count replies and show the last poster and time on the category page', async () => {
    const id = await newTopic(clients.author, 'Compter les réponses');
    await newReply(clients.member, id, 'Première réponse');
    const last = await newReply(clients.other, id, 'Deuxième réponse');
    const row = await topicRow(id);
    expect(row).toMatchObject({ reply_count: 2, last_reply_id: last, last_poster_id: users.other.id });
    const page = await clients.anonymous.get(`/c/${openCat}`);
    const item = new RegExp(`id="topic-${id}"[\\s\\S]*?</li>`).exec(page.text)![0];
    expect(item).toContain(msg('topics.replyCount', { count: 2 }));
    expect(item).toContain('Autre Personne');
  });

  it('let authors edit their replies (marked as edited) and delete them; others may not edit', async () => {
    const id = await newTopic();
    const r1 = await newReply(clients.member, id, 'Texte initial');
    const r2 = await newReply(clients.member, id, 'À supprimer');
    expect((await submit(clients.other, `/replies/${r1}/edit`, { body: 'piratage' })).status).toBe(404);
    expect((await submit(clients.moderator, `/replies/${r1}/edit`, { body: 'modéré' })).status).toBe(404);
    expect((await clients.other.get(`/replies/${r1}/edit`)).status).toBe(404);
    const bad = await submit(clients.member, `/replies/${r1}/edit`, { body: '' });
    expect(bad.status).toBe(422);
    const ok = await submit(clients.member, `/replies/${r1}/edit`, { body: 'Texte *corrigé*' });
    expect(ok.status).toBe(303);
    expect(await replyRow(r1)).toMatchObject({ body: 'Texte *corrigé*' });
    const page = await clients.anonymous.get(`/t/${id}`);
    expect(page.text).toContain('<em>corrigé</em>');
    expect(page.text).toContain(msg('topics.edited'));
    expect((await submit(clients.other, `/replies/${r2}/delete`)).status).toBe(404);
    expect((await submit(clients.member, `/replies/${r2}/delete`)).status).toBe(303);
    expect(await replyRow(r2)).toBeUndefined();
    expect(await topicRow(id)).toMatchObject({ reply_count: 1, last_reply_id: r1, last_poster_id: users.member.id });
  });

  it('let the author edit the opening post (marked as edited, text kept when refused)', async () => {
    const id = await newTopic(clients.author, 'À corriger', 'Premier jet');
    expect((await clients.member.get(`/t/${id}/edit`)).status).toBe(404);
    const form = await clients.author.get(`/t/${id}/edit`);
    expect(form.status).toBe(200);
    expect(textareaOf(form.text)).toBe('Premier jet');
    expect((await clients.author.get(`/t/${id}`)).text).toContain(`href="/t/${id}/edit"`);
    expect((await clients.member.get(`/t/${id}`)).text).not.toContain(`href="/t/${id}/edit"`);
    const bad = await submit(clients.author, `/t/${id}/edit`, { body: '[x](javascript:alert(1)) gardé' });
    expect(bad.status).toBe(422);
    expect(textareaOf(bad.text)).toBe('[x](javascript:alert(1)) gardé');
    expect((await submit(clients.author, `/t/${id}/edit`, { body: 'Version **corrigée** pour @tp_other' })).status).toBe(303);
    const page = await clients.anonymous.get(`/t/${id}`);
    expect(page.text).toContain('<strong>corrigée</strong>');
    expect(/id="opening"[\s\S]*?<\/article>/.exec(page.text)![0]).toContain(msg('topics.edited'));
    expect((await notificationsOf(users.other.id)).filter((n) => n.topic_id === id).map((n) => n.kind)).toEqual(['mention_topic']);
  });

  it('let a moderator remove any reply (audited)', async () => {
    const id = await newTopic();
    const r = await newReply(clients.member, id, 'Hors sujet');
    expect((await submit(clients.moderator, `/replies/${r}/delete`)).status).toBe(303);
    expect(await replyRow(r)).toBeUndefined();
    expect(await topicRow(id)).toMatchObject({ reply_count: 0, last_reply_id: null, last_poster_id: users.author.id });
    const event = await t.db.selectFrom('audit_events').select(['actor_id', 'target_user_id', 'details']).where('action', '=', 'moderation.topic_reply_removed').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(event).toEqual({ actor_id: users.moderator.id, target_user_id: users.member.id, details: { topicId: id, replyId: r } });
  });
});

describe('restricted categories', () => {
  it('refuse new topics from members with a clear message and the text kept', async () => {
    const form = await clients.member.get(`/c/${restrictedCat}/new`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(msg('topics.errors.restricted'));
    expect(form.text).not.toContain(`action="/c/${restrictedCat}/topics"`);
    const cat = await clients.member.get(`/c/${restrictedCat}`);
    expect(cat.text).not.toContain(`/c/${restrictedCat}/new`);
    const res = await submit(clients.member, `/c/${restrictedCat}/topics`, { title: 'Mon annonce', body: 'Texte à garder' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(msg('topics.errors.restricted'));
    expect(res.text).toContain('Texte à garder');
    expect(await t.db.selectFrom('topics').select('id').where('category_id', '=', restrictedCat).execute()).toEqual([]);
  });

  it('take topics from moderators and admins, and replies from members', async () => {
    const a = await newTopic(clients.moderator, 'Annonce modé', 'x', restrictedCat);
    await newTopic(clients.admin, 'Annonce admin', 'x', restrictedCat);
    expect((await clients.moderator.get(`/c/${restrictedCat}`)).text).toContain(`/c/${restrictedCat}/new`);
    await newReply(clients.member, a, 'Merci pour l’annonce');
  });
});

describe('moderation', () => {
  it('pins a topic on top of its category, and only moderators and admins may', async () => {
    const older = await newTopic(clients.author, 'Ancien sujet épinglé');
    await newTopic(clients.author, 'Sujet plus récent');
    for (const role of ['member', 'author'] as const) expect((await submit(clients[role], `/t/${older}/pin`)).status).toBe(404);
    expect((await clients.anonymous.submit(`/t/${older}/pin`, {}, { from: '/' })).status).toBe(401);
    expect((await topicRow(older)).pinned).toBe(false);
    expect((await submit(clients.moderator, `/t/${older}/pin`)).status).toBe(303);
    const page = await clients.anonymous.get(`/c/${openCat}`);
    expect(replyIdsOrTopics(page.text)[0]).toBe(older);
    expect((await submit(clients.admin, `/t/${older}/unpin`)).status).toBe(303);
    expect((await topicRow(older)).pinned).toBe(false);
    const actions = await t.db.selectFrom('audit_events').select('action').where('action', 'like', 'moderation.topic_%pinned').execute();
    expect(actions.map((a) => a.action)).toEqual(['moderation.topic_pinned', 'moderation.topic_unpinned']);
  });

  it('locks a topic with a reason: replies are refused for everyone, with the text kept', async () => {
    const id = await newTopic();
    expect((await submit(clients.author, `/t/${id}/lock`, { reason: 'Je ferme' })).status).toBe(404);
    expect((await clients.member.get(`/t/${id}/moderate`)).status).toBe(404);
    const empty = await submit(clients.moderator, `/t/${id}/lock`, { reason: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain(msg('validation.required'));
    expect((await submit(clients.moderator, `/t/${id}/lock`, { reason: 'Discussion close, merci à tous' })).status).toBe(303);
    const page = await clients.member.get(`/t/${id}`);
    expect(page.text).toContain(msg('topics.lockedNotice'));
    expect(page.text).toContain('Discussion close, merci à tous');
    expect(page.text).not.toContain(`action="/t/${id}/replies"`);
    for (const role of ['member', 'author', 'moderator', 'admin'] as const) {
      const res = await submit(clients[role], `/t/${id}/replies`, { body: `Ma réponse de ${role}` });
      expect(res.status).toBe(422);
      expect(res.text).toContain(msg('topics.errors.locked', { reason: 'Discussion close, merci à tous' }));
      expect(res.text).toContain(`Ma réponse de ${role}`);
    }
    expect((await topicRow(id)).reply_count).toBe(0);
    expect((await submit(clients.admin, `/t/${id}/unlock`)).status).toBe(303);
    await newReply(clients.member, id, 'Enfin rouvert');
  });

  it('moves a topic to another category and edits its title', async () => {
    const id = await newTopic(clients.author, 'Titre à revoir');
    expect((await submit(clients.member, `/t/${id}/move`, { categoryId: String(otherCat) })).status).toBe(404);
    expect((await submit(clients.author, `/t/${id}/title`, { title: 'Auto-modifié' })).status).toBe(404);
    const bad = await submit(clients.moderator, `/t/${id}/move`, { categoryId: '999999' });
    expect(bad.status).toBe(422);
    expect((await submit(clients.moderator, `/t/${id}/move`, { categoryId: String(otherCat) })).status).toBe(303);
    expect((await topicRow(id)).category_id).toBe(otherCat);
    expect((await clients.anonymous.get(`/c/${otherCat}`)).text).toContain('Titre à revoir');
    const long = await submit(clients.admin, `/t/${id}/title`, { title: 'z'.repeat(151) });
    expect(long.status).toBe(422);
    expect(long.text).toContain(`value="${'z'.repeat(151)}"`);
    expect((await submit(clients.admin, `/t/${id}/title`, { title: 'Titre revu' })).status).toBe(303);
    expect((await topicRow(id)).title).toBe('Titre revu');
    const moved = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'moderation.topic_moved').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(moved.details).toEqual({ topicId: id, from: openCat, to: otherCat });
  });
});

function replyIdsOrTopics(html: string): number[] {
  return [...html.matchAll(/<li class="topic-row[^"]*" id="topic-(\d+)"/g)].map((m) => Number(m[1]));
}

describe('each topic action for each role', () => {
  type Actor = 'anonymous' | 'member' | 'author' | 'moderator' | 'admin';
  interface Case {
    name: string;
    expected: Record<Actor, number>;
    run: (c: Client, role: Actor) => Promise<{ status: number; done: () => Promise<boolean> }>;
  }
  const post = async (c: Client, role: Actor, path: string, fields: Record<string, string> = {}) =>
    role === 'anonymous' ? c.submit(path, fields, { from: '/' }) : submit(c, path, fields);
  const CASES: Case[] = [
    {
      name: 'open a topic in an open category',
      expected: { anonymous: 401, member: 303, author: 303, moderator: 303, admin: 303 },
      async run(c, role) {
        const title = `Ouvert par ${role} ${Math.random()}`;
        const res = await post(c, role, `/c/${openCat}/topics`, { title, body: 'x' });
        return { status: res.status, done: async () => !!(await t.db.selectFrom('topics').select('id').where('title', '=', title).executeTakeFirst()) };
      },
    },
    {
      name: 'open a topic in a restricted category',
      expected: { anonymous: 401, member: 422, author: 422, moderator: 303, admin: 303 },
      async run(c, role) {
        const title = `Annonce de ${role} ${Math.random()}`;
        const res = await post(c, role, `/c/${restrictedCat}/topics`, { title, body: 'x' });
        return { status: res.status, done: async () => !!(await t.db.selectFrom('topics').select('id').where('title', '=', title).executeTakeFirst()) };
      },
    },
    {
      name: 'reply',
      expected: { anonymous: 401, member: 303, author: 303, moderator: 303, admin: 303 },
      async run(c, role) {
        const id = await newTopic();
        const res = await post(c, role, `/t/${id}/replies`, { body: 'réponse' });
        return { status: res.status, done: async () => (await topicRow(id)).reply_count === 1 };
      },
    },
    {
      name: 'edit the opening post',
      expected: { anonymous: 401, member: 404, author: 303, moderator: 404, admin: 404 },
      async run(c, role) {
        const id = await newTopic();
        const res = await post(c, role, `/t/${id}/edit`, { body: 'corrigé' });
        return { status: res.status, done: async () => (await topicRow(id)).body === 'corrigé' };
      },
    },
    {
      name: 'edit a reply',
      expected: { anonymous: 401, member: 404, author: 303, moderator: 404, admin: 404 },
      async run(c, role) {
        const id = await newTopic();
        const r = await newReply(clients.author, id, 'avant');
        const res = await post(c, role, `/replies/${r}/edit`, { body: 'après' });
        return { status: res.status, done: async () => (await replyRow(r))?.body === 'après' };
      },
    },
    {
      name: 'delete a reply',
      expected: { anonymous: 401, member: 404, author: 303, moderator: 303, admin: 303 },
      async run(c, role) {
        const id = await newTopic();
        const r = await newReply(clients.author, id, 'à effacer');
        const res = await post(c, role, `/replies/${r}/delete`);
        return { status: res.status, done: async () => (await replyRow(r)) === undefined };
      },
    },
    {
      name: 'like a reply',
      expected: { anonymous: 401, member: 303, author: 303, moderator: 303, admin: 303 },
      async run(c, role) {
        const id = await newTopic();
        const r = await newReply(clients.other, id, 'à aimer');
        const res = await post(c, role, `/replies/${r}/like`);
        return { status: res.status, done: async () => (await replyRow(r))?.like_count === 1 };
      },
    },
    {
      name: 'follow a topic',
      expected: { anonymous: 401, member: 303, author: 303, moderator: 303, admin: 303 },
      async run(c, role) {
        const id = await newTopic(clients.other);
        const res = await post(c, role, `/t/${id}/follow`);
        return { status: res.status, done: async () => (await t.db.selectFrom('follows').select('follower_id').where('topic_id', '=', id).execute()).length === 2 };
      },
    },
    ...(
      [
        ['pin', {}, async (id: number) => (await topicRow(id)).pinned],
        ['lock', { reason: 'fermé' }, async (id: number) => (await topicRow(id)).locked_at !== null],
        ['move', { categoryId: '' }, async (id: number) => (await topicRow(id)).category_id === otherCat],
        ['title', { title: 'Nouveau titre' }, async (id: number) => (await topicRow(id)).title === 'Nouveau titre'],
      ] as const
    ).map(
      ([action, fields, done]): Case => ({
        name: `${action} a topic`,
        expected: { anonymous: 401, member: 404, author: 404, moderator: 303, admin: 303 },
        async run(c, role) {
          const id = await newTopic();
          const res = await post(c, role, `/t/${id}/${action}`, action === 'move' ? { categoryId: String(otherCat) } : { ...fields });
          return { status: res.status, done: () => done(id) };
        },
      }),
    ),
  ];
  const ROLES: Actor[] = ['anonymous', 'member', 'author', 'moderator', 'admin'];
  it.each(CASES.flatMap((c) => ROLES.map((role) => ({ ...c, role, status: c.expected[role] }))))('$role: $name answers $status', async ({ role, status, run }) => {
    const { status: got, done } = await run(clients[role], role);
    expect(got).toBe(status);
    expect(await done()).toBe(status === 303);
  });

  it.each(ROLES)('%s reads topics, categories and the discussions index', async (role) => {
    const id = await newTopic();
    for (const path of [`/t/${id}`, `/c/${openCat}`, '/discussions', '/discussions?filter=unanswered']) expect((await clients[role].get(path)).status).toBe(200);
    expect((await clients[role].get('/t/99999999')).status).toBe(404);
    expect((await clients[role].get('/c/99999999')).status).toBe(404);
  });
});

describe('the other forum routes for each role', () => {
  type Actor = 'anonymous' | 'member' | 'author' | 'moderator' | 'admin';
  const ROLES: Actor[] = ['anonymous', 'member', 'author', 'moderator', 'admin'];
  const post = async (role: Actor, path: string, fields: Record<string, string> = {}) =>
    role === 'anonymous' ? clients.anonymous.submit(path, fields, { from: '/' }) : submit(clients[role], path, fields);
  const followersOf = async (column: 'topic_id' | 'category_id', id: number) => (await t.db.selectFrom('follows').select('follower_id').where(column, '=', id).execute()).length;

  // Signed-out visitors are sent to the login page; those who may not act get "not found".
  const PAGES: { name: string; expected: Record<Actor, number>; path: () => Promise<string> }[] = [
    { name: 'the new topic form', expected: { anonymous: 303, member: 200, author: 200, moderator: 200, admin: 200 }, path: async () => `/c/${openCat}/new` },
    { name: 'the opening post edit form', expected: { anonymous: 303, member: 404, author: 200, moderator: 404, admin: 404 }, path: async () => `/t/${await newTopic()}/edit` },
    {
      name: 'the reply edit form',
      expected: { anonymous: 303, member: 404, author: 200, moderator: 404, admin: 404 },
      path: async () => `/replies/${await newReply(clients.author, await newTopic(), 'à revoir')}/edit`,
    },
    { name: 'the moderation page', expected: { anonymous: 303, member: 404, author: 404, moderator: 200, admin: 200 }, path: async () => `/t/${await newTopic()}/moderate` },
    { name: 'the categories admin page', expected: { anonymous: 303, member: 404, author: 404, moderator: 404, admin: 200 }, path: async () => '/admin/categories' },
    { name: 'the category edit page', expected: { anonymous: 303, member: 404, author: 404, moderator: 404, admin: 200 }, path: async () => `/admin/categories/${otherCat}/edit` },
  ];
  it.each(PAGES.flatMap((p) => ROLES.map((role) => ({ ...p, role, status: p.expected[role] }))))('$role: $name answers $status', async ({ role, status, path }) => {
    const res = await clients[role].get(await path());
    expect(res.status).toBe(status);
    if (status === 303) expect(res.headers.location).toMatch(/^\/login\?next=/);
  });

  interface Case {
    name: string;
    expected: Record<Actor, number>;
    run: (role: Actor) => Promise<{ status: number; done: () => Promise<boolean> }>;
  }
  const CASES: Case[] = [
    {
      name: 'edit a category',
      expected: { anonymous: 401, member: 404, author: 404, moderator: 404, admin: 303 },
      async run(role) {
        const id = await newCategory(`À renommer ${role}`);
        const name = `Renommée par ${role}`;
        const res = await post(role, `/admin/categories/${id}/edit`, { name, colour: '#112233', position: '3' });
        return { status: res.status, done: async () => (await t.db.selectFrom('forum_categories').select('name').where('id', '=', id).executeTakeFirstOrThrow()).name === name };
      },
    },
    {
      name: 'unpin a topic',
      expected: { anonymous: 401, member: 404, author: 404, moderator: 303, admin: 303 },
      async run(role) {
        const id = await newTopic();
        expect((await submit(clients.moderator, `/t/${id}/pin`)).status).toBe(303);
        const res = await post(role, `/t/${id}/unpin`);
        return { status: res.status, done: async () => !(await topicRow(id)).pinned };
      },
    },
    {
      name: 'unlock a topic',
      expected: { anonymous: 401, member: 404, author: 404, moderator: 303, admin: 303 },
      async run(role) {
        const id = await newTopic();
        expect((await submit(clients.moderator, `/t/${id}/lock`, { reason: 'pause' })).status).toBe(303);
        const res = await post(role, `/t/${id}/unlock`);
        return { status: res.status, done: async () => (await topicRow(id)).locked_at === null };
      },
    },
    {
      name: 'unfollow a topic',
      expected: { anonymous: 401, member: 303, author: 303, moderator: 303, admin: 303 },
      async run(role) {
        const id = await newTopic();
        if (role !== 'anonymous' && role !== 'author') await submit(clients[role], `/t/${id}/follow`);
        const before = await followersOf('topic_id', id);
        const res = await post(role, `/t/${id}/unfollow`);
        return { status: res.status, done: async () => (await followersOf('topic_id', id)) === before - 1 };
      },
    },
    {
      name: 'follow a category',
      expected: { anonymous: 401, member: 303, author: 303, moderator: 303, admin: 303 },
      async run(role) {
        const id = await newCategory(`À suivre ${role}`);
        const res = await post(role, `/c/${id}/follow`);
        return { status: res.status, done: async () => (await followersOf('category_id', id)) === 1 };
      },
    },
    {
      name: 'unfollow a category',
      expected: { anonymous: 401, member: 303, author: 303, moderator: 303, admin: 303 },
      async run(role) {
        const id = await newCategory(`À quitter ${role}`);
        expect((await submit(role === 'anonymous' ? clients.other : clients[role], `/c/${id}/follow`)).status).toBe(303);
        const res = await post(role, `/c/${id}/unfollow`);
        return { status: res.status, done: async () => (await followersOf('category_id', id)) === 0 };
      },
    },
    {
      name: 'unlike a reply',
      expected: { anonymous: 401, member: 303, author: 303, moderator: 303, admin: 303 },
      async run(role) {
        const r = await newReply(clients.other, await newTopic(), 'aimée puis plus');
        expect((await submit(role === 'anonymous' ? clients.member : clients[role], `/replies/${r}/like`)).status).toBe(303);
        const res = await post(role, `/replies/${r}/unlike`);
        return { status: res.status, done: async () => (await replyRow(r))?.like_count === 0 };
      },
    },
  ];
  it.each(CASES.flatMap((c) => ROLES.map((role) => ({ ...c, role, status: c.expected[role] }))))('$role: $name answers $status', async ({ role, status, run }) => {
    const { status: got, done } = await run(role);
    expect(got).toBe(status);
    expect(await done()).toBe(status === 303);
  });
});

describe('long topics', () => {
  let id: number;
  const replies: number[] = [];
  beforeAll(async () => {
    id = await newTopic(clients.author, 'Un long fil');
    const at = (await topicRow(id)).created_at.getTime();
    const rows = await t.db
      .insertInto('topic_replies')
      .values(Array.from({ length: 45 }, (_, i) => ({ topic_id: id, author_id: i % 2 ? users.member.id : users.other.id, body: `Réponse ${i + 1}`, body_html: `<p>Réponse ${i + 1}</p>`, created_at: new Date(at + (i + 1) * 1000) })))
      .returning('id')
      .execute();
    replies.push(...rows.map((r) => r.id));
    await t.db.updateTable('topics').set({ reply_count: 45, last_reply_id: replies[44]!, last_poster_id: users.other.id, last_activity_at: new Date(at + 45_000) }).where('id', '=', id).execute();
  });

  it('paginate by keyset forwards and backwards, each reply on exactly one page', async () => {
    const get = async (path: string) => {
      const res = await clients.anonymous.get(path);
      return { text: unescapeHtml(res.text) };
    };
    const first = await get(`/t/${id}`);
    expect(replyIdsOn(first.text)).toEqual(replies.slice(0, 20));
    expect(first.text).toContain('id="opening"');
    const next1 = /href="(\/t\/\d+\?after=\d+)#replies"/.exec(first.text)![1]!;
    const second = await get(next1);
    expect(replyIdsOn(second.text)).toEqual(replies.slice(20, 40));
    expect(second.text).not.toContain('id="opening"');
    const third = await get(/href="(\/t\/\d+\?after=\d+)#replies"/.exec(second.text)![1]!);
    expect(replyIdsOn(third.text)).toEqual(replies.slice(40));
    expect(third.text).not.toMatch(/\?after=\d+#replies/);
    const back = await get(/href="(\/t\/\d+\?before=\d+)#replies"/.exec(third.text)![1]!);
    expect(replyIdsOn(back.text)).toEqual(replies.slice(20, 40));
    const start = await get(/href="(\/t\/\d+\?before=\d+)#replies"/.exec(back.text)![1]!);
    expect(replyIdsOn(start.text)).toEqual(replies.slice(0, 20));
    expect(start.text).toContain('id="opening"');
  });

  it('give each reply a permalink that leads to a page showing it', async () => {
    const early = await clients.anonymous.get(`/t/${id}/r/${replies[5]}`);
    expect(early.status).toBe(302);
    expect(early.headers.location).toBe(`/t/${id}#r-${replies[5]}`);
    const late = await clients.anonymous.get(`/t/${id}/r/${replies[32]}`);
    const page = await clients.anonymous.get(late.headers.location!.replace(/#.*/, ''));
    expect(replyIdsOn(page.text)).toContain(replies[32]);
    expect(late.headers.location).toMatch(new RegExp(`#r-${replies[32]}$`));
    const other = await newTopic();
    expect((await clients.anonymous.get(`/t/${other}/r/${replies[5]}`)).status).toBe(404);
  });

  it('mark unread replies and link to the first unread one', async () => {
    const reader = clients.admin;
    const list1 = await reader.get(`/c/${openCat}`);
    expect(new RegExp(`id="topic-${id}"[\\s\\S]*?</li>`).exec(list1.text)![0]).toContain(msg('topics.markers.new'));
    await reader.get(`/t/${id}`);
    expect((await t.db.selectFrom('topic_reads').select('last_read_reply_id').where('user_id', '=', users.admin.id).where('topic_id', '=', id).executeTakeFirstOrThrow()).last_read_reply_id).toBe(replies[19]);
    const list2 = await reader.get(`/c/${openCat}`);
    const row2 = new RegExp(`id="topic-${id}"[\\s\\S]*?</li>`).exec(list2.text)![0];
    expect(row2).not.toContain(msg('topics.markers.new'));
    expect(row2).toContain(msg('topics.markers.unread'));
    const again = await reader.get(`/t/${id}`);
    expect(again.text).toContain(`href="/t/${id}/r/${replies[20]}"`);
    expect(again.text).toContain(msg('topics.firstUnread'));
    const unread = await reader.get(`/t/${id}/unread`);
    expect(unread.headers.location).toBe(`/t/${id}/r/${replies[20]}`);
    const page2 = await reader.get(`/t/${id}?after=${replies[19]}`);
    expect([...page2.text.matchAll(/<li class="reply reply--unread" id="r-(\d+)"/g)].map((m) => Number(m[1]))).toEqual(replies.slice(20, 40));
    const page2again = await reader.get(`/t/${id}?after=${replies[19]}`);
    expect(page2again.text).not.toContain('reply--unread');
    // Reading an older page does not move the position back.
    await reader.get(`/t/${id}`);
    await reader.get(`/t/${id}?after=${replies[39]}`);
    const list3 = await reader.get(`/c/${openCat}`);
    expect(new RegExp(`id="topic-${id}"[\\s\\S]*?</li>`).exec(list3.text)![0]).not.toContain(msg('topics.markers.unread'));
    const r = await newReply(clients.member, id, 'Du nouveau');
    const list4 = await reader.get(`/c/${openCat}`);
    expect(new RegExp(`id="topic-${id}"[\\s\\S]*?</li>`).exec(list4.text)![0]).toContain(msg('topics.markers.unread'));
    expect((await reader.get(`/t/${id}/unread`)).headers.location).toBe(`/t/${id}/r/${r}`);
  });
});

describe('read positions when replying', () => {
  const rowOn = async (c: Client, id: number) => new RegExp(`id="topic-${id}"[\\s\\S]*?</li>`).exec((await c.get(`/c/${openCat}`)).text)![0];
  it('count your own reply as read when you had read everything, and keep what you missed unread', async () => {
    const id = await newTopic(clients.author, 'Lecture et réponse');
    await clients.member.get(`/t/${id}`);
    await newReply(clients.member, id, 'Je réponds après avoir tout lu');
    expect(await rowOn(clients.member, id)).not.toContain(msg('topics.markers.unread'));
    const missed = await newReply(clients.other, id, 'Réponse que le membre ne voit pas');
    await newReply(clients.member, id, 'Je réponds sans avoir rechargé');
    expect(await rowOn(clients.member, id)).toContain(msg('topics.markers.unread'));
    expect((await clients.member.get(`/t/${id}/unread`)).headers.location).toBe(`/t/${id}/r/${missed}`);
  });
});

describe('quotes', () => {
  it('prefill the reply form with a blockquote and a link to the quoted reply, without JavaScript', async () => {
    const id = await newTopic();
    const r = await newReply(clients.other, id, 'Je propose samedi.\n\nOu dimanche.');
    const page = await clients.member.get(`/t/${id}`);
    expect(unescapeHtml(page.text)).toContain(`href="/t/${id}?quote=${r}#reply-form"`);
    const form = await clients.member.get(`/t/${id}?quote=${r}`);
    const body = textareaOf(form.text);
    expect(body).toBe(`[${'Autre Personne a écrit'}](${t.origin}/t/${id}/r/${r})\n> Je propose samedi.\n>\n> Ou dimanche.\n\n`);
    const q = await newReply(clients.member, id, `${body}D’accord pour samedi.`);
    const shown = await clients.anonymous.get(`/t/${id}/r/${q}`);
    const html = (await clients.anonymous.get(shown.headers.location!)).text;
    const item = new RegExp(`id="r-${q}"[\\s\\S]*?</li>`).exec(html)![0];
    expect(item).toContain('<blockquote>');
    expect(item).toContain(`href="${t.origin}/t/${id}/r/${r}"`);
  });
});

describe('mentions, replies and hashtags notify and show as in posts', () => {
  it('notifies mentioned members, the topic author and its followers, each once and never the actor', async () => {
    const id = await newTopic(clients.author, 'Sujet suivi', 'Bonjour @tp_member, parlons #Jardin');
    expect((await notificationsOf(users.member.id)).filter((n) => n.topic_id === id)).toMatchObject([{ kind: 'mention_topic', actor_id: users.author.id, reply_id: null }]);
    expect((await submit(clients.other, `/t/${id}/follow`)).status).toBe(303);
    const r = await newReply(clients.member, id, 'Je réponds, @tp_author et @tp_other');
    const forAuthor = (await notificationsOf(users.author.id)).filter((n) => n.reply_id === r);
    const forOther = (await notificationsOf(users.other.id)).filter((n) => n.reply_id === r);
    expect(forAuthor.map((n) => n.kind)).toEqual(['mention_topic']);
    expect(forOther.map((n) => n.kind)).toEqual(['mention_topic']);
    const r2 = await newReply(clients.member, id, 'Sans mention');
    expect((await notificationsOf(users.author.id)).filter((n) => n.reply_id === r2).map((n) => n.kind)).toEqual(['reply_topic']);
    expect((await notificationsOf(users.other.id)).filter((n) => n.reply_id === r2).map((n) => n.kind)).toEqual(['reply_followed_topic']);
    expect((await notificationsOf(users.member.id)).filter((n) => n.reply_id === r2)).toEqual([]);
    const page = await clients.other.get('/notifications');
    expect(page.text).toContain(msg('notifications.kinds.reply_followed_topic'));
    expect(page.text).toContain(`href="/t/${id}/r/${r2}"`);
    expect((await clients.author.get('/notifications')).text).toContain(msg('notifications.kinds.reply_topic'));
  });

  it('lists topics by hashtag, linked from the tag page', async () => {
    const id = await newTopic(clients.author, 'Sujet tagué', 'On parle #Potager ici');
    const r = await newReply(clients.member, id, 'Et de #compost');
    expect(r).toBeGreaterThan(0);
    const tagPage = await clients.anonymous.get('/tags/potager');
    expect(tagPage.text).toContain('href="/discussions?tag=potager"');
    for (const tag of ['potager', 'compost']) {
      const res = await clients.anonymous.get(`/discussions?tag=${tag}`);
      expect(res.status).toBe(200);
      expect(replyIdsOrTopics(res.text)).toContain(id);
    }
    expect(replyIdsOrTopics((await clients.anonymous.get('/discussions?tag=inconnu')).text)).toEqual([]);
  });
});

describe('likes on replies', () => {
  it('stay exact when many members like and unlike at once', async () => {
    const id = await newTopic();
    const r = await newReply(clients.author, id, 'Aimez-moi');
    const crowd = await Promise.all(Array.from({ length: 6 }, (_, i) => createUser(t.db, { handle: `tp_fan${i}` })));
    const fans = await Promise.all(crowd.map((u) => t.loggedIn(u.handle)));
    const tokens = await Promise.all(fans.map((c) => c.token()));
    // Each fan likes twice at once: every like counts once.
    await Promise.all(fans.flatMap((c, i) => [c.submit(`/replies/${r}/like`, {}, { csrf: tokens[i]! }), c.submit(`/replies/${r}/like`, {}, { csrf: tokens[i]! })]));
    expect((await replyRow(r))!.like_count).toBe(6);
    expect(await t.db.selectFrom('topic_reply_likes').select('user_id').where('reply_id', '=', r).execute()).toHaveLength(6);
    await Promise.all(fans.slice(0, 4).map((c, i) => c.submit(`/replies/${r}/unlike`, {}, { csrf: tokens[i]! })));
    expect((await replyRow(r))!.like_count).toBe(2);
    const page = await fans[5]!.get(`/t/${id}`);
    expect(page.text).toContain(msg('topics.likeCount', { count: 2 }));
    expect(page.text).toContain(`action="/replies/${r}/unlike"`);
  });
});

describe('follows and the discussions index', () => {
  it('authors follow their topics; members follow topics and categories through the follows table', async () => {
    const id = await newTopic(clients.other, 'Suivi automatique');
    expect(await t.db.selectFrom('follows').select(['follower_id', 'topic_id', 'category_id', 'followee_id']).where('topic_id', '=', id).execute()).toEqual([
      { follower_id: users.other.id, topic_id: id, category_id: null, followee_id: null },
    ]);
    expect((await submit(clients.member, `/c/${otherCat}/follow`)).status).toBe(303);
    expect((await submit(clients.member, `/c/${otherCat}/follow`)).status).toBe(303);
    expect(await t.db.selectFrom('follows').select('follower_id').where('category_id', '=', otherCat).execute()).toEqual([{ follower_id: users.member.id }]);
    const inOther = await newTopic(clients.author, 'Dans une catégorie suivie', 'x', otherCat);
    await submit(clients.member, `/t/${id}/follow`);
    const followed = replyIdsOrTopics((await clients.member.get('/discussions?filter=followed')).text);
    expect(followed).toContain(id);
    expect(followed).toContain(inOther);
    expect(followed).not.toContain(await newTopic(clients.author, 'Pas suivi'));
    await submit(clients.member, `/c/${otherCat}/unfollow`);
    await submit(clients.member, `/t/${id}/unfollow`);
    const after = replyIdsOrTopics((await clients.member.get('/discussions?filter=followed')).text);
    expect(after).not.toContain(id);
    expect(after).not.toContain(inOther);
    expect((await clients.anonymous.get('/discussions?filter=followed')).status).toBe(303);
  });

  it('explain an empty followed list, and how to fill it', async () => {
    const newcomer = await t.loggedIn((await createUser(t.db, { handle: 'tp_newcomer', displayName: 'Nouvelle Venue' })).handle);
    const page = await newcomer.get('/discussions?filter=followed');
    expect(page.status).toBe(200);
    expect(page.text).toContain(msg('topics.index.emptyFollowed'));
    expect((await newcomer.get('/discussions?filter=unanswered&tag=personne')).text).toContain(msg('topics.index.empty'));
  });

  it('lists unanswered topics, newest first, and pages the latest ones by keyset', async () => {
    const answered = await newTopic(clients.author, 'Déjà répondu');
    await newReply(clients.member, answered, 'Voilà');
    const lonely = await newTopic(clients.author, 'Personne ne répond');
    const unanswered = replyIdsOrTopics((await clients.anonymous.get('/discussions?filter=unanswered')).text);
    expect(unanswered[0]).toBe(lonely);
    expect(unanswered).not.toContain(answered);
    const seen: number[] = [];
    let path: string | undefined = '/discussions';
    while (path) {
      const res = await clients.anonymous.get(path);
      seen.push(...replyIdsOrTopics(res.text));
      path = /href="(\/discussions\?filter=latest&before=[^"]+)"/.exec(unescapeHtml(res.text))?.[1];
    }
    const all = await t.db.selectFrom('topics').select('id').orderBy('last_activity_at', 'desc').orderBy('id', 'desc').execute();
    expect(seen).toEqual(all.map((r) => r.id));
    expect(all.length).toBeGreaterThan(30);
  });

  it('pages the followed topics by keyset too, merging followed topics and followed categories', async () => {
    const reader = clients.moderator;
    await submit(reader, `/c/${openCat}/follow`);
    const elsewhere = await newTopic(clients.author, 'Ailleurs mais suivi', 'x', otherCat);
    await submit(reader, `/t/${elsewhere}/follow`);
    const seen: number[] = [];
    let path: string | undefined = '/discussions?filter=followed';
    while (path) {
      const res = await reader.get(path);
      expect(res.status).toBe(200);
      seen.push(...replyIdsOrTopics(res.text));
      path = /href="(\/discussions\?filter=followed&before=[^"]+)"/.exec(unescapeHtml(res.text))?.[1];
    }
    const mine = (await t.db.selectFrom('follows').select('topic_id').where('follower_id', '=', users.moderator.id).where('topic_id', 'is not', null).execute()).map((r) => r.topic_id!);
    const expected = await t.db
      .selectFrom('topics')
      .select('id')
      .where((eb) => eb.or([eb('category_id', '=', openCat), eb('id', 'in', mine)]))
      .orderBy('last_activity_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    expect(expected.length).toBeGreaterThan(30);
    expect(seen).toEqual(expected.map((r) => r.id));
    expect(seen).toContain(elsewhere);
  });
});

describe('posting throttle', () => {
  it('refuses topics and replies past the limit, with the text kept', async () => {
    const small = await createTestApp({ env: { RATE_LIMIT_POSTS_PER_MINUTE: '2' } });
    try {
      const admin = await createUser(small.db, { handle: 'th_admin', role: 'admin' as Role });
      const c = await small.loggedIn(admin.handle);
      const token = await c.token();
      await c.submit('/admin/categories', { name: 'Vite', colour: '#000000', position: '0' }, { csrf: token });
      const cat = (await small.db.selectFrom('forum_categories').select('id').executeTakeFirstOrThrow()).id;
      const first = await c.submit(`/c/${cat}/topics`, { title: 'Un', body: 'x' }, { csrf: token });
      const id = Number(/\/t\/(\d+)/.exec(first.headers.location!)![1]);
      expect((await c.submit(`/t/${id}/replies`, { body: 'deux' }, { csrf: token })).status).toBe(303);
      const refused = await c.submit(`/t/${id}/replies`, { body: 'trois, trop vite' }, { csrf: token });
      expect(refused.status).toBe(422);
      expect(refused.text).toContain('trois, trop vite');
      const topic = await c.submit(`/c/${cat}/topics`, { title: 'Encore', body: 'texte gardé' }, { csrf: token });
      expect(topic.status).toBe(422);
      expect(topic.text).toContain('texte gardé');
    } finally {
      await small.close();
    }
  });
});
