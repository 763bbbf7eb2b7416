// Signed-in pages are built from the content cache (what every viewer sees alike) plus one query
// about the viewer. These tests walk several viewers through the same cached pages, in turns, and
// check that nothing particular to one of them reaches another, and that every change made
// through the application shows at once to everyone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import { createTestApp, csrfFrom, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { msg } from '../support/html.ts';
import { insertPost } from '../../server/repos/posts.ts';
import type { Viewer } from '../../server/services/index.ts';

let t: TestApp;
let ben: Client;
let cleo: Client;
let anaC: Client;
let anon: Client;

beforeAll(async () => {
  t = await createTestApp({ env: { CONTENT_CACHE_SECONDS: '600' } });
  await createUser(t.db, { handle: 'admin_cc', role: 'admin' });
  await createUser(t.db, { handle: 'ana_cc', displayName: 'Ana Autrice' });
  await createUser(t.db, { handle: 'ben_cc', displayName: 'Ben Abonné' });
  await createUser(t.db, { handle: 'cleo_cc', displayName: 'Cléo Voisine' });
  anaC = await t.loggedIn('ana_cc');
  ben = await t.loggedIn('ben_cc');
  cleo = await t.loggedIn('cleo_cc');
  anon = t.client();
  expect((await ben.submit('/@ana_cc/follow', {}, { from: '/@ana_cc' })).status).toBe(303);
});
afterAll(async () => t.close());

const postIdFrom = (res: Response) => {
  expect(res.status, res.text.slice(0, 300)).toBe(303);
  return Number(/#post-(\d+)/.exec(res.headers.location!)![1]);
};
const publish = (c: Client, wall: string, body: string, visibility: string) =>
  c.submitMultipart(`/@${wall}/posts`, { body, visibility }, {}, { from: `/@${wall}` });
const editLink = (id: number) => `href="/posts/${id}/edit"`;
const deleteForm = (id: number) => `action="/posts/${id}/delete"`;

describe('cached pages seen by several viewers in turn', () => {
  let postId: number;

  it('gives each viewer their own actions and their own CSRF token on the same post', async () => {
    postId = postIdFrom(await publish(anaC, 'ana_cc', 'Qui peut m’aider à déménager samedi ? #entraide', 'public'));
    for (let round = 0; round < 2; round++) {
      const own = await anaC.get(`/posts/${postId}`);
      expect(own.text).toContain(editLink(postId));
      expect(own.text).toContain(deleteForm(postId));
      const other = await cleo.get(`/posts/${postId}`);
      expect(other.text).toContain(`action="/posts/${postId}/like"`);
      expect(other.text).not.toContain(editLink(postId));
      expect(other.text).not.toContain(deleteForm(postId));
      const visitor = await anon.get(`/posts/${postId}`);
      expect(visitor.text).toContain('Qui peut m’aider à déménager samedi');
      expect(visitor.text).not.toContain(`action="/posts/${postId}/like"`);
      expect(visitor.text).not.toContain(editLink(postId));
      expect(csrfFrom(own.text)).not.toBe(csrfFrom(other.text));
    }
    // The token in a cached card is the viewer's own: the like form works.
    const page = await cleo.get(`/posts/${postId}`);
    const like = await cleo.submit(`/posts/${postId}/like`, { next: `/posts/${postId}` }, { csrf: csrfFrom(page.text) });
    expect(like.status).toBe(303);
  });

  it('shows the like as each viewer’s own, with the count everyone shares', async () => {
    const mine = await cleo.get(`/posts/${postId}`);
    expect(mine.text).toContain(msg('posts.unlike'));
    expect(mine.text).toContain(msg('posts.likes.count', { count: 1 }));
    const theirs = await ben.get(`/posts/${postId}`);
    expect(theirs.text).not.toContain(msg('posts.unlike'));
    expect(theirs.text).toContain(msg('posts.likes.count', { count: 1 }));
    const wall = await ben.get('/@ana_cc');
    expect(wall.text).toContain(msg('posts.likes.count', { count: 1 }));
  });

  it('shows a followers-only post on a cached wall only to the viewers who may see it, as follows change', async () => {
    const hidden = postIdFrom(await publish(anaC, 'ana_cc', 'Pour mes abonnés seulement', 'followers'));
    expect((await ben.get('/@ana_cc')).text).toContain(`id="post-${hidden}"`);
    expect((await cleo.get('/@ana_cc')).text).not.toContain(`id="post-${hidden}"`);
    expect((await anon.get('/@ana_cc')).text).not.toContain(`id="post-${hidden}"`);
    expect((await cleo.get(`/posts/${hidden}`)).status).toBe(404);
    await cleo.submit('/@ana_cc/follow', {}, { from: '/@ana_cc' });
    expect((await cleo.get('/@ana_cc')).text).toContain(`id="post-${hidden}"`);
    expect((await cleo.get(`/posts/${hidden}`)).status).toBe(200);
    await cleo.submit('/@ana_cc/unfollow', {}, { from: '/@ana_cc' });
    expect((await cleo.get('/@ana_cc')).text).not.toContain(`id="post-${hidden}"`);
    expect((await cleo.get(`/posts/${hidden}`)).status).toBe(404);
  });

  it('shows comments, edits, deletions, renames and follower counts to everyone at once', async () => {
    await cleo.get(`/posts/${postId}`);
    await anon.get('/@ana_cc');
    const comment = await ben.submit(`/posts/${postId}/comments`, { body: 'Je viens avec ma camionnette' }, { from: `/posts/${postId}` });
    const commentId = Number(/#comment-(\d+)/.exec(comment.headers.location!)![1]);
    expect((await cleo.get(`/posts/${postId}`)).text).toContain('Je viens avec ma camionnette');
    expect((await anon.get('/@ana_cc')).text).toContain(msg('posts.comments.count', { count: 1 }));

    await ben.submit(`/comments/${commentId}/edit`, { body: 'Je viens avec un diable' }, { from: `/comments/${commentId}/edit` });
    const edited = await cleo.get(`/posts/${postId}`);
    expect(edited.text).toContain('Je viens avec un diable');
    expect(edited.text).not.toContain(`href="/comments/${commentId}/edit"`);
    expect((await ben.get(`/posts/${postId}`)).text).toContain(`href="/comments/${commentId}/edit"`);

    await anaC.submit(`/comments/${commentId}/delete`, { next: `/posts/${postId}` }, { from: `/posts/${postId}` });
    expect((await cleo.get(`/posts/${postId}`)).text).not.toContain('Je viens avec un diable');

    const before = await cleo.get('/@ana_cc');
    expect(before.text).toContain('<strong>1</strong> abonné·e</li>');
    await cleo.submit('/@ana_cc/follow', {}, { from: '/@ana_cc' });
    expect((await anon.get('/@ana_cc')).text).toContain('<strong>2</strong> abonné·e·s</li>');
    await cleo.submit('/@ana_cc/unfollow', {}, { from: '/@ana_cc' });

    const renamed = await anaC.submit('/settings/profile', { displayName: 'Ana Renommée', wallPolicy: 'everyone' }, { from: '/settings/profile' });
    expect(renamed.status).toBe(303);
    for (const c of [cleo, ben, anon]) {
      expect((await c.get(`/posts/${postId}`)).text).toContain('Ana Renommée');
      const wall = await c.get('/@ana_cc');
      expect(wall.text).toContain('Ana Renommée');
      expect(wall.text).not.toContain('Ana Autrice');
    }
  });

  it('hides a post from everyone it no longer concerns as soon as its visibility narrows', async () => {
    expect((await cleo.get(`/posts/${postId}`)).status).toBe(200);
    const res = await anaC.submit(`/posts/${postId}/edit`, { body: 'Finalement, entre nous', visibility: 'mentioned' }, { from: `/posts/${postId}/edit` });
    expect(res.status).toBe(303);
    expect((await cleo.get(`/posts/${postId}`)).status).toBe(404);
    expect((await cleo.get('/@ana_cc')).text).not.toContain(`id="post-${postId}"`);
    expect((await anaC.get(`/posts/${postId}`)).text).toContain('Finalement, entre nous');
  });
});

describe('a wall whose newest posts are mostly hidden from the viewer', () => {
  it('still shows that viewer their twenty newest visible posts, and the rest on the next page', async () => {
    const owner = await createUser(t.db, { handle: 'dora_cc', displayName: 'Dora' });
    const fan = await createUser(t.db, { handle: 'eli_cc' });
    await t.db.insertInto('follows').values({ follower_id: fan.id, followee_id: owner.id }).execute();
    const base = Date.parse('2026-11-01T10:00:00Z');
    const at = (n: number) => new Date(base + n * 60_000).toISOString();
    // 25 public posts, then 70 newer followers-only ones: more than the cached window holds.
    for (let n = 0; n < 95; n++) {
      const post = await insertPost(t.db, { authorId: owner.id, wallOwnerId: owner.id, body: `n${n}`, bodyHtml: `<p>message numéro ${n}</p>`, visibility: n < 25 ? 'public' : 'followers' });
      await t.db.updateTable('posts').set({ created_at: at(n) } as never).where('id', '=', post.id).execute();
    }
    // Written behind the application's back.
    t.app.services.cache.clear();
    const shown = (html: string) => [...html.matchAll(/message numéro (\d+)/g)].map((m) => Number(m[1]));

    const first = await cleo.get('/@dora_cc');
    expect(shown(first.text)).toEqual(Array.from({ length: 20 }, (_, i) => 24 - i));
    const next = /href="(\/@dora_cc\?before=[^"#]+)/.exec(first.text)![1]!;
    expect(shown((await cleo.get(next.replaceAll('&amp;', '&'))).text)).toEqual([4, 3, 2, 1, 0]);

    const fanC = await t.loggedIn('eli_cc');
    expect(shown((await fanC.get('/@dora_cc')).text)).toEqual(Array.from({ length: 20 }, (_, i) => 94 - i));
    expect(shown((await anon.get('/@dora_cc')).text)).toEqual(Array.from({ length: 20 }, (_, i) => 24 - i));
  });
});

describe('posts by id for a list (a feed page)', () => {
  it('answers them in the order asked, without those the viewer may not see, with the viewer’s own likes', async () => {
    const fred = await createUser(t.db, { handle: 'fred_cc', displayName: 'Fred' });
    const gus = await createUser(t.db, { handle: 'gus_cc' });
    const fredC = await t.loggedIn('fred_cc');
    const open = postIdFrom(await publish(fredC, 'fred_cc', 'Ouvert à tous', 'public'));
    const closed = postIdFrom(await publish(fredC, 'fred_cc', 'Abonnés seulement', 'followers'));
    const members = postIdFrom(await publish(fredC, 'fred_cc', 'Membres', 'members'));
    const shared = postIdFrom(await fredC.submit(`/posts/${open}/share`, { body: 'À lire', visibility: 'public' }, { from: `/posts/${open}/share` }));
    await fredC.submit(`/posts/${members}/like`, { next: '/' }, { from: `/posts/${members}` });
    const viewer = (u: { id: number; handle: string }): Viewer => ({ id: u.id, handle: u.handle, displayName: u.handle, role: 'member', status: 'active', locale: 'fr', sessionId: 'x' });
    const { posts } = t.app.services;
    const ids = [members, 999_999, closed, shared, open];

    const forGus = await posts.viewPosts(viewer(gus), ids);
    expect(forGus.map((i) => i.row.id)).toEqual([members, shared, open]);
    expect(forGus.map((i) => i.liked)).toEqual([false, false, false]);
    expect(forGus[1]!.shared?.row.id).toBe(open);

    const forFred = await posts.viewPosts(viewer(fred), ids);
    expect(forFred.map((i) => i.row.id)).toEqual([members, closed, shared, open]);
    expect(forFred[0]!.liked).toBe(true);
    expect(forFred[0]!.can.edit).toBe(true);
    expect(forGus[0]!.can.edit).toBe(false);

    expect((await posts.viewPosts(null, ids)).map((i) => i.row.id)).toEqual([shared, open]);
  });
});
