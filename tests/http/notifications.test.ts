// Notifications: comments on my post, replies to my comment, likes grouped per item, the
// preferences page (a kind turned off is not created), "mark all read", and who may reach the
// pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { NOTIFICATION_KINDS } from '../../server/services/notification-kinds.ts';
import { loadCatalog } from '../../server/i18n/index.ts';
import type { User } from '../../server/db/schema.ts';
import { cacheTags } from '../../server/services/content-cache.ts';
import { idFrom } from '../support/social.ts';

let t: TestApp;
let ann: User;
let ben: User;
let annC: Client;
let benC: Client;
let camC: Client;
let danC: Client;

async function newPost(c: Client, handle: string, body: string, visibility = 'members'): Promise<number> {
  return idFrom(await c.submitMultipart(`/@${handle}/posts`, { body, visibility }, {}, { csrf: await c.token() }), 'post');
}
async function comment(c: Client, postId: number, body: string, parentId?: number): Promise<number> {
  return idFrom(await c.submit(`/posts/${postId}/comments`, { body, ...(parentId ? { parentId: String(parentId) } : {}) }, { csrf: await c.token() }), 'comment');
}
const rowsOf = (userId: number) =>
  t.db.selectFrom('notifications').select(['kind', 'actor_id', 'actor_count', 'post_id', 'comment_id', 'read_at']).where('user_id', '=', userId).orderBy('id').execute();

beforeAll(async () => {
  t = await createTestApp({});
  ann = await createUser(t.db, { handle: 'nt_ann', displayName: 'Ann Notes' });
  ben = await createUser(t.db, { handle: 'nt_ben', displayName: 'Ben Notes' });
  await createUser(t.db, { handle: 'nt_cam', displayName: 'Cam Notes' });
  await createUser(t.db, { handle: 'nt_dan', displayName: 'Dan Notes' });
  await createUser(t.db, { handle: 'nt_pending', status: 'pending' });
  annC = await t.loggedIn('nt_ann');
  benC = await t.loggedIn('nt_ben');
  camC = await t.loggedIn('nt_cam');
  danC = await t.loggedIn('nt_dan');
});
afterAll(async () => t.close());

describe('what creates a notification', () => {
  it("tells the post's author of a comment, and the comment's author of a reply, never the writer", async () => {
    const postId = await newPost(annC, 'nt_ann', 'Une question');
    const before = (await rowsOf(ann.id)).length;
    const top = await comment(benC, postId, 'Une réponse de Ben');
    await comment(annC, postId, 'Ann se répond', top);
    const reply = await comment(camC, postId, 'Cam répond à Ben', top);
    const annRows = (await rowsOf(ann.id)).slice(before);
    expect(annRows.map((r) => [r.kind, r.comment_id])).toEqual([
      ['comment_on_post', top],
      ['comment_on_post', reply],
    ]);
    const benRows = (await rowsOf(ben.id)).filter((r) => r.post_id === postId);
    // Ben is told of both replies to his comment, Ann's and Cam's, once each.
    expect(benRows.map((r) => r.kind)).toEqual(['reply_to_comment', 'reply_to_comment']);
  });

  it('groups likes of one item into one unread notification with the latest actor and a count', async () => {
    const postId = await newPost(annC, 'nt_ann', 'À aimer');
    for (const c of [benC, camC, danC]) await c.submit(`/posts/${postId}/like`, { next: '/' }, { csrf: await c.token() });
    const likes = (await rowsOf(ann.id)).filter((r) => r.kind === 'like_post' && r.post_id === postId);
    expect(likes).toHaveLength(1);
    expect(likes[0]!.actor_count).toBe(3);
    const page = await annC.get('/notifications');
    expect(page.text).toContain('Dan Notes');
    expect(page.text).toContain('et 2 autres personnes ont aimé votre publication');
    await annC.submit('/notifications/read', {}, { csrf: await annC.token() });
    await benC.submit(`/posts/${postId}/unlike`, { next: '/' }, { csrf: await benC.token() });
    await benC.submit(`/posts/${postId}/like`, { next: '/' }, { csrf: await benC.token() });
    const after = (await rowsOf(ann.id)).filter((r) => r.kind === 'like_post' && r.post_id === postId);
    // Once read, a new like starts a new group.
    expect(after).toHaveLength(2);
    expect(after[1]!.actor_count).toBe(1);
  });

  it('groups likes of a comment for its author', async () => {
    const postId = await newPost(annC, 'nt_ann', 'Commentaires à aimer');
    const id = await comment(benC, postId, 'Aimez-moi');
    for (const c of [annC, camC]) await c.submit(`/comments/${id}/like`, { next: '/' }, { csrf: await c.token() });
    const likes = (await rowsOf(ben.id)).filter((r) => r.kind === 'like_comment' && r.comment_id === id);
    expect(likes).toHaveLength(1);
    expect(likes[0]!.actor_count).toBe(2);
  });
});

describe('preferences', () => {
  it('lists every kind, checked by default, in both languages', async () => {
    const res = await danC.get('/notifications/settings');
    expect(res.status).toBe(200);
    for (const { kind } of NOTIFICATION_KINDS) expect(res.text).toMatch(new RegExp(`id="kind-${kind}" name="kinds" value="${kind}" checked`));
    for (const locale of ['fr', 'en'] as const) {
      const catalog = loadCatalog(locale) as { notifications: { kinds: Record<string, string>; settings: { kinds: Record<string, string> } } };
      for (const { kind } of NOTIFICATION_KINDS) {
        expect(catalog.notifications.kinds[kind], `${locale} ${kind}`).toBeTruthy();
        expect(catalog.notifications.settings.kinds[kind], `${locale} settings ${kind}`).toBeTruthy();
      }
    }
  });

  it('does not create a kind the member turned off, and keeps the others', async () => {
    const keep = NOTIFICATION_KINDS.map((k) => k.kind).filter((k) => k !== 'comment_on_post');
    // One checkbox per kind: the form sends the key once per ticked box.
    const res = await danC.agent
      .post('/notifications/settings')
      .type('form')
      .set('origin', danC.origin)
      .send(`_csrf=${encodeURIComponent(await danC.token())}&${keep.map((k) => `kinds=${k}`).join('&')}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/notifications/settings?notice=notificationSettingsSaved');
    const page = await danC.get('/notifications/settings');
    expect(page.text).toMatch(/id="kind-comment_on_post" name="kinds" value="comment_on_post">/);
    expect(page.text).toMatch(/id="kind-like_post" name="kinds" value="like_post" checked/);
    const dan = await t.db.selectFrom('users').select('id').where('handle', '=', 'nt_dan').executeTakeFirstOrThrow();
    const postId = await newPost(danC, 'nt_dan', 'Sans notifications de commentaires');
    await comment(benC, postId, 'Un commentaire');
    await benC.submit(`/posts/${postId}/like`, { next: '/' }, { csrf: await benC.token() });
    const rows = (await rowsOf(dan.id)).filter((r) => r.post_id === postId);
    expect(rows.map((r) => r.kind)).toEqual(['like_post']);
  });

  it('ignores unknown kinds and saves an empty choice as "everything off"', async () => {
    const res = await camC.submit('/notifications/settings', { kinds: 'not_a_kind' }, { csrf: await camC.token() });
    expect(res.status).toBe(303);
    const page = await camC.get('/notifications/settings');
    for (const { kind } of NOTIFICATION_KINDS) expect(page.text).not.toMatch(new RegExp(`value="${kind}" checked`));
  });

  it('sends a signed-out visitor to the login page, refuses their form, and shows a pending account its waiting page', async () => {
    const anon = t.client();
    expect((await anon.get('/notifications/settings')).status).toBe(303);
    const post = await anon.submit('/notifications/settings', {}, { from: '/login' });
    // A form sent without a session is refused (the login page is for pages, not actions).
    expect(post.status).toBe(401);
    const pending = await t.loggedIn('nt_pending');
    expect((await pending.get('/notifications/settings')).status).toBe(403);
  });
});

describe('reading', () => {
  it('marks everything read and empties the header count', async () => {
    const postId = await newPost(annC, 'nt_ann', 'Encore une');
    await comment(benC, postId, 'Coucou');
    expect((await annC.get('/notifications')).text).toContain('badge--count');
    await annC.submit('/notifications/read', {}, { csrf: await annC.token() });
    const page = await annC.get('/notifications');
    expect(page.text).not.toContain('badge--count');
    expect((await rowsOf(ann.id)).every((r) => r.read_at !== null)).toBe(true);
  });
});

describe('the header count', () => {
  it('counts up to 99 and then says "99+", agreeing with the list below that', async () => {
    const many = await createUser(t.db, { handle: 'nt_many', displayName: 'Beaucoup De Notes' });
    const manyC = await t.loggedIn(many.handle);
    const badge = async () => /<span class="badge badge--count">([^<]+)<span class="visually-hidden">/.exec((await manyC.get('/')).text)?.[1];
    expect(await badge()).toBeUndefined();
    // Written straight into the table, past the services and the live bus that drop the cached
    // count when a notification is created: the test drops it as they would.
    const add = async (n: number) => {
      await t.db
        .insertInto('notifications')
        .values(Array.from({ length: n }, () => ({ user_id: many.id, kind: 'new_follower' as const, actor_id: ben.id })))
        .execute();
      t.app.services.cache.invalidate([cacheTags.unread(many.id)]);
    };
    await add(5);
    expect(await badge()).toBe('5');
    await add(94);
    expect(await badge()).toBe('99');
    await add(1);
    expect(await badge()).toBe('99+');
    await add(150);
    expect(await badge()).toBe('99+');
    await manyC.submit('/notifications/read', {}, { csrf: await manyC.token() });
    expect(await badge()).toBeUndefined();
  });
});
