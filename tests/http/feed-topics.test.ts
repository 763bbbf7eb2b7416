// New topics of followed categories in the home feed: delivered to the category's followers only,
// as topic cards in the inbox's keyset order next to posts (each item once), brought in when a
// category is followed and taken out when it is unfollowed or the topic is deleted, trimmed with
// the posts; the visitors' home page lists the latest topics, and an empty feed suggests topics
// and categories to follow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { publishPost as publish } from '../support/social.ts';
import { msg, unescapeHtml } from '../support/html.ts';
import { FEED_REASONS, trimFeeds } from '../../server/repos/feed.ts';
import type { User } from '../../server/db/schema.ts';

let t: TestApp;
let admin: User;
let reader: User;
let author: User;
let other: User;
let moderator: User;
let admin_c: Client;
let reader_c: Client;
let author_c: Client;
let other_c: Client;
let moderator_c: Client;
let garden: number;
let kitchen: number;
let news: number;

const submit = async (c: Client, path: string, fields: Record<string, string> = {}) => c.submit(path, fields, { csrf: await c.token() });

async function newCategory(name: string, extra: Record<string, string> = {}): Promise<number> {
  const res = await submit(admin_c, '/admin/categories', { name, description: `À propos de ${name}`, colour: '#336699', position: '1', ...extra });
  expect(res.status, res.text.slice(0, 400)).toBe(303);
  return (await t.db.selectFrom('forum_categories').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
}

async function newTopic(c: Client, cat: number, title: string, body = 'Le message d’ouverture du sujet.'): Promise<number> {
  const res = await submit(c, `/c/${cat}/topics`, { title, body });
  expect(res.status, res.text.slice(0, 400)).toBe(303);
  return Number(/^\/t\/(\d+)$/.exec(res.headers.location!)![1]);
}


async function page(c: Client, path = '/') {
  const res = await c.get(path);
  expect(res.status).toBe(200);
  return res.text;
}
/** The feed's items in page order: "p<post id>" or "t<topic id>". */
const itemsOn = (html: string) => [...html.matchAll(/<article class="post[^"]*" id="(post|feed-topic)-(\d+)"/g)].map((m) => (m[1] === 'post' ? `p${m[2]}` : `t${m[2]}`));
const follow = (c: Client, cat: number, next = `/c/${cat}`) => submit(c, `/c/${cat}/follow`, { next });
const unfollow = (c: Client, cat: number) => submit(c, `/c/${cat}/unfollow`);
const topicItems = (memberId: number) => t.db.selectFrom('feed_items').select(['topic_id', 'reasons']).where('member_id', '=', memberId).where('topic_id', 'is not', null).execute();

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.db, { handle: 'ft_admin', displayName: 'Admin Forum', role: 'admin' });
  reader = await createUser(t.db, { handle: 'ft_reader', displayName: 'Lectrice Forum' });
  author = await createUser(t.db, { handle: 'ft_author', displayName: 'Autrice Forum' });
  other = await createUser(t.db, { handle: 'ft_other', displayName: 'Autre Membre' });
  moderator = await createUser(t.db, { handle: 'ft_mod', displayName: 'Modé Forum', role: 'moderator' });
  admin_c = await t.loggedIn(admin.handle);
  reader_c = await t.loggedIn(reader.handle);
  author_c = await t.loggedIn(author.handle);
  other_c = await t.loggedIn(other.handle);
  moderator_c = await t.loggedIn(moderator.handle);
  garden = await newCategory('Jardins partagés');
  kitchen = await newCategory('Cuisine solidaire', { position: '2' });
  news = await newCategory('Annonces du collectif', { restricted: '1', position: '0' });
});
afterAll(async () => t.close());

describe('an empty feed', () => {
  it('suggests the most active recent topics and the categories to follow, each with a way to act', async () => {
    const quiet = await newTopic(author_c, kitchen, 'Recettes anti-gaspi');
    const lively = await newTopic(author_c, garden, 'Qui a des graines de tomates ?');
    expect((await submit(other_c, `/t/${lively}/replies`, { body: 'Moi, des cœurs de bœuf.' })).status).toBe(303);
    const html = await page(reader_c);
    expect(html).toContain(msg('feed.empty.title'));
    expect(html).toContain(msg('feed.empty.topics'));
    const topics = html.slice(html.indexOf(msg('feed.empty.topics')), html.indexOf(msg('feed.empty.categories')));
    expect(topics).toContain(`href="/t/${lively}"`);
    expect(topics).toContain(`href="/t/${quiet}"`);
    // Most recent activity first.
    expect(topics.indexOf(`href="/t/${lively}"`)).toBeLessThan(topics.indexOf(`href="/t/${quiet}"`));
    const categories = html.slice(html.indexOf(msg('feed.empty.categories')));
    for (const id of [garden, kitchen, news]) expect(categories).toContain(`action="/c/${id}/follow"`);
    expect(html).toContain('href="/forum/colours.css"');
  });

  it('fills with the category’s recent topics when the member follows it from the suggestions, and stops suggesting it', async () => {
    const res = await follow(reader_c, garden, '/');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const html = await page(reader_c);
    expect(html).not.toContain(msg('feed.empty.title'));
    expect(html).toContain('Qui a des graines de tomates ?');
    expect(html).not.toContain('Recettes anti-gaspi');
    const rows = await topicItems(reader.id);
    expect(rows.every((r) => r.reasons === FEED_REASONS.topic)).toBe(true);
    expect((await unfollow(reader_c, garden)).status).toBe(303);
    const emptyAgain = await page(reader_c);
    expect(emptyAgain).toContain(msg('feed.empty.title'));
    expect(await topicItems(reader.id)).toEqual([]);
  });
});

describe('a new topic in a followed category', () => {
  it('enters the feed of the category’s followers as a topic card, and no one else’s', async () => {
    expect((await follow(reader_c, garden)).status).toBe(303);
    expect((await follow(other_c, kitchen)).status).toBe(303);
    const id = await newTopic(author_c, garden, 'Chantier compost samedi', 'On retourne le **compost** du jardin partagé, venez avec des gants.');
    const html = await page(reader_c);
    const card = html.slice(html.indexOf(`id="feed-topic-${id}"`));
    expect(card).toContain(`<a href="/t/${id}">Chantier compost samedi</a>`);
    expect(card).toContain(`href="/c/${garden}"`);
    expect(card).toContain('Jardins partagés');
    expect(card).toContain('href="/@ft_author"');
    expect(card).toContain('On retourne le compost du jardin partagé, venez avec des gants.');
    expect(card).toContain(msg('topics.replyCount', { count: 0 }));
    expect(html).toContain('href="/forum/colours.css"');
    // Each item once.
    expect(itemsOn(html).filter((i) => i === `t${id}`)).toHaveLength(1);
    expect(itemsOn(await page(other_c))).not.toContain(`t${id}`);
    // (An empty feed may suggest the topic, but not as a feed item.)
    expect(itemsOn(await page(moderator_c))).not.toContain(`t${id}`);
  });

  it('shows the reply count and the unread marker of the topic as the member reads it', async () => {
    const id = await newTopic(author_c, garden, 'Arrosage pendant les vacances');
    expect((await reader_c.get(`/t/${id}`)).status).toBe(200);
    expect((await submit(author_c, `/t/${id}/replies`, { body: 'Qui peut passer en août ?' })).status).toBe(303);
    const card = (await page(reader_c)).split(`id="feed-topic-${id}"`)[1]!.split('</article>')[0]!;
    expect(card).toContain(msg('topics.replyCount', { count: 1 }));
    expect(card).toContain(`href="/t/${id}/unread"`);
  });

  it('comes from a restricted category too (opened by a moderator), to its followers', async () => {
    expect((await follow(reader_c, news)).status).toBe(303);
    const id = await newTopic(moderator_c, news, 'Assemblée générale le 12');
    expect(itemsOn(await page(reader_c))).toContain(`t${id}`);
    expect(itemsOn(await page(other_c))).not.toContain(`t${id}`);
  });

  it('leaves the feed when the member unfollows the category, other items staying', async () => {
    const id = await newTopic(moderator_c, news, 'Fermeture du local en décembre');
    const post = await publish(reader_c, 'ft_reader', 'Mon message reste là');
    expect(itemsOn(await page(reader_c))).toEqual(expect.arrayContaining([`t${id}`, `p${post}`]));
    expect((await unfollow(reader_c, news)).status).toBe(303);
    const after = itemsOn(await page(reader_c));
    expect(after).not.toContain(`t${id}`);
    expect(after).toContain(`p${post}`);
    expect((await topicItems(reader.id)).map((r) => r.topic_id)).not.toContain(id);
    // The garden's topics stay: that category is still followed.
    expect((await topicItems(reader.id)).length).toBeGreaterThan(0);
  });

  it('leaves every feed when the topic is deleted', async () => {
    const id = await newTopic(author_c, garden, 'Sujet bientôt supprimé');
    expect(itemsOn(await page(reader_c))).toContain(`t${id}`);
    await t.db.deleteFrom('topics').where('id', '=', id).execute();
    expect(itemsOn(await page(reader_c))).not.toContain(`t${id}`);
    expect(await t.db.selectFrom('feed_items').select('member_id').where('topic_id', '=', id).execute()).toEqual([]);
  });
});

describe('pages mixing posts and topics', () => {
  it('follow the inbox order by keyset, each item once, even when items share a time', async () => {
    const mixer = await createUser(t.db, { handle: 'ft_mixer' });
    const mixer_c = await t.loggedIn(mixer.handle);
    const cat = await newCategory('Bricolage');
    expect((await follow(mixer_c, cat)).status).toBe(303);
    const expected: string[] = [];
    for (let i = 0; i < 13; i++) {
      expected.push(`p${await publish(mixer_c, 'ft_mixer', `Mélange numéro ${i}`)}`);
      expected.push(`t${await newTopic(author_c, cat, `Sujet mêlé numéro ${i}`)}`);
    }
    // Give the items distinct times in creation order, except a block of six sharing one time
    // (posts and topics with the same feed_at: the item key decides).
    const base = Date.parse('2026-11-01T10:00:00.000Z');
    const rows = await t.db.selectFrom('feed_items').select(['post_id', 'topic_id']).where('member_id', '=', mixer.id).execute();
    expect(rows).toHaveLength(26);
    for (const [i, key] of expected.entries()) {
      const at = new Date(base + (i >= 10 && i < 16 ? 10 : i) * 60_000);
      const q = t.db.updateTable('feed_items').set({ feed_at: at }).where('member_id', '=', mixer.id);
      await (key.startsWith('p') ? q.where('post_id', '=', Number(key.slice(1))) : q.where('topic_id', '=', Number(key.slice(1)))).execute();
    }
    const keyOf = (k: string) => (k.startsWith('p') ? Number(k.slice(1)) : -Number(k.slice(1)));
    const atOf = (i: number) => (i >= 10 && i < 16 ? 10 : i);
    const order = expected
      .map((k, i) => ({ k, at: atOf(i), key: keyOf(k) }))
      .sort((a, b) => b.at - a.at || b.key - a.key)
      .map((x) => x.k);

    const first = await page(mixer_c);
    expect(itemsOn(first)).toEqual(order.slice(0, 20));
    const next = /href="\/\?before=([^"]+)"/.exec(first)![1]!;
    const second = await page(mixer_c, `/?before=${next}`);
    expect(itemsOn(second)).toEqual(order.slice(20));
    expect(second).not.toMatch(/href="\/\?before=/);
  });

  it('are trimmed to the newest items whatever their kind', async () => {
    const mixer = await t.db.selectFrom('users').select('id').where('handle', '=', 'ft_mixer').executeTakeFirstOrThrow();
    const before = await t.db.selectFrom('feed_items').select(['post_id', 'topic_id']).where('member_id', '=', mixer.id).orderBy('feed_at', 'desc').orderBy('item_key', 'desc').execute();
    await trimFeeds(t.db, [mixer.id], 8);
    const after = await t.db.selectFrom('feed_items').select(['post_id', 'topic_id']).where('member_id', '=', mixer.id).orderBy('feed_at', 'desc').orderBy('item_key', 'desc').execute();
    expect(after).toEqual(before.slice(0, 8));
    expect(after.some((r) => r.topic_id !== null) && after.some((r) => r.post_id !== null)).toBe(true);
  });
});

describe('the feed items table', () => {
  it('refuses an item pointing at nothing or at both a post and a topic', async () => {
    const topic = (await t.db.selectFrom('topics').select('id').limit(1).executeTakeFirstOrThrow()).id;
    const post = (await t.db.selectFrom('posts').select('id').limit(1).executeTakeFirstOrThrow()).id;
    const base = { member_id: other.id, feed_at: new Date(), reasons: FEED_REASONS.topic };
    await expect(t.db.insertInto('feed_items').values({ ...base, post_id: null, topic_id: null }).execute()).rejects.toThrow(/feed_items_one_target/);
    await expect(t.db.insertInto('feed_items').values({ ...base, post_id: post, topic_id: topic }).execute()).rejects.toThrow(/feed_items_one_target/);
  });
});

describe('the home page of visitors', () => {
  it('lists the latest topics with links, and more on the discussions page', async () => {
    const id = await newTopic(author_c, kitchen, 'Soupe populaire de l’hiver');
    const html = await page(t.client());
    expect(html).toContain(msg('feed.public.topicsTitle'));
    const section = html.slice(html.indexOf(msg('feed.public.topicsTitle')));
    expect(section).toContain(`<a href="/t/${id}">Soupe populaire de l’hiver</a>`);
    expect(section).toContain(`href="/c/${kitchen}"`);
    // More topics than the home shows: the link continues the list on /discussions.
    const more = unescapeHtml(/href="(\/discussions[^"]*)"/.exec(section)![1]!);
    expect(more).toMatch(/^\/discussions\?before=/);
    const rest = await page(t.client(), more);
    expect(rest).not.toContain('Soupe populaire de l’hiver');
    expect(rest).toContain('href="/t/');
  });

});
