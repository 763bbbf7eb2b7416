// The member cache (server/services/index.ts): signed-in pages read each member's session, unread
// count and relations from memory, so every change to them must drop the cached copy at once.
// Each test first views a page (the cache is warm: CONTENT_CACHE_SECONDS is 10 in tests), then
// makes the change through the application, then checks the very next page. A missing
// invalidation would leave the old state on screen for up to 10 seconds, and the test would fail;
// the "control" tests show it: a change written straight into the tables, past the services, is
// not seen until the test drops the entry itself.
//
// Two instances, each on its own database:
// - `t`, as in production, with its live bus: a notification created by someone else reaches the
//   header count through the bus (server/live/hub.ts);
// - `q`, whose bus is stopped: a member's own changes (logging out, a sanction, a role, the
//   language, reading notifications) must show on the next page from the services' invalidation
//   after commit alone. With the bus running, its message about the change would drop the entry
//   too (at once on PGlite), and a missing direct invalidation could go unnoticed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import type { Response } from 'supertest';
import { createTestApp, csrfFrom, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { idFrom, publishPost } from '../support/social.ts';
import type { User } from '../../server/db/schema.ts';
import type { Viewer } from '../../server/services/index.ts';
import { cacheTags, createContentCache } from '../../server/services/content-cache.ts';
import { createViewerFacts } from '../../server/services/viewer-facts.ts';
import { findViewerFacts, type ViewerFacts, type ViewerFactsQuery } from '../../server/repos/viewer-facts.ts';
import { translator } from '../../server/i18n/index.ts';
import { createRenderer } from '../../server/view-helpers/renderer.ts';
import { presentLayout } from '../../server/presenters/layout.ts';
import { presentCommentList, presentPost } from '../../server/presenters/posts.ts';
import { emptyForm } from '../../server/presenters/forms.ts';

let t: TestApp;
let q: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  q = await createTestApp();
  await q.app.live.bus.stop();
  // Guards: the tests below mean something only while the member cache keeps entries.
  expect(t.config.contentCacheSeconds).toBeGreaterThan(0);
  expect(q.config.contentCacheSeconds).toBeGreaterThan(0);
  expect(q.app.live.bus.connected).toBe(false);
});
afterAll(async () => {
  await q?.close();
  await t?.close();
});

// ---- helpers ---------------------------------------------------------------------------------

const submit = async (c: Client, path: string, fields: Record<string, string> = {}) => c.submit(path, fields, { csrf: await c.token() });

const newComment = async (c: Client, postId: number, body: string, parentId?: number) =>
  idFrom(await submit(c, `/posts/${postId}/comments`, { body, ...(parentId ? { parentId: String(parentId) } : {}) }), 'comment');

/** The header's unread badge ("3", "99+"), or undefined when there is none. */
function unreadBadge(html: string): string | undefined {
  const link = /<a href="\/notifications" data-live-unread-link[^>]*>([\s\S]*?)<\/a>/.exec(html);
  expect(link, 'the header has its notifications link').not.toBeNull();
  return /<span class="badge badge--count">([^<]+)<span/.exec(link![1]!)?.[1];
}

/** aria-pressed of the like button of a post or a comment, or undefined when there is no like form. */
function likePressed(html: string, kind: 'posts' | 'comments', id: number): string | undefined {
  const form = new RegExp(`<form method="post" action="/${kind}/${id}/(?:like|unlike)"[\\s\\S]*?</form>`).exec(html);
  return form ? /aria-pressed="(true|false)"/.exec(form[0])?.[1] : undefined;
}

/** The session cookie ("name=value") a login response set. */
function sessionCookieOf(res: Response): string {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const found = cookies.find((c) => c.startsWith('entraide_session='));
  expect(found, 'the login set a session cookie').toBeDefined();
  return found!.split(';')[0]!;
}

/**
 * Re-reads until `check` holds, for 2 s at most. Only for what travels over the live bus: the
 * NOTIFY is sent at commit and, on Postgres, reaches this instance's LISTEN connection a moment
 * after the form's response. 2 s is far below the 10 s a missed invalidation would keep the old
 * value, so the wait cannot hide one.
 */
async function within2s<T>(read: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  const until = Date.now() + 2000;
  let v = await read();
  while (!check(v) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 25));
    v = await read();
  }
  return v;
}

const fr = translator('fr');
const en = translator('en');

// ---- 1. the session cache ----------------------------------------------------------------------

describe('the cached session (instance without bus: only the invalidation after commit can help)', () => {
  let mod: User;
  let modC: Client;

  beforeAll(async () => {
    mod = await createUser(q.db, { handle: 'mc_mod', role: 'moderator' });
    modC = await q.loggedIn(mod.handle);
  });

  it('control: a role written straight into the table is not seen until the cached session is dropped', async () => {
    const m = await createUser(q.db, { handle: 'mc_control' });
    const c = await q.loggedIn(m.handle);
    expect((await c.get('/')).text).not.toContain('id="moderation-count"');
    await q.db.updateTable('users').set({ role: 'moderator' }).where('id', '=', m.id).execute();
    // Served from the cache: the tests below would see a stale entry just like this.
    expect((await c.get('/')).text).not.toContain('id="moderation-count"');
    q.app.services.cache.invalidate([cacheTags.sessions(m.id)]);
    expect((await c.get('/')).text).toContain('id="moderation-count"');
  });

  it('signs out a request carrying the cookie of a session that was just logged out', async () => {
    const m = await createUser(q.db, { handle: 'mc_logout' });
    const c = q.client();
    const cookie = sessionCookieOf(await c.login(m.handle));
    const withOldCookie = () => supertest(q.origin).get('/notifications').set('accept', 'text/html').set('cookie', cookie);
    // Warm: the session is cached.
    expect((await withOldCookie()).status).toBe(200);
    const out = await submit(c, '/logout');
    expect(out.status).toBe(303);
    const res = await withOldCookie();
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/login/);
    const home = await supertest(q.origin).get('/').set('accept', 'text/html').set('cookie', cookie);
    expect(home.text).not.toContain('action="/logout"');
  });

  it('refuses the very next request of a member a moderator just suspended', async () => {
    const m = await createUser(q.db, { handle: 'mc_suspended' });
    const c = await q.loggedIn(m.handle);
    expect((await c.get('/notifications')).status).toBe(200);
    expect((await submit(modC, `/moderation/members/${m.handle}/sanctions`, { kind: 'suspension', duration: '7d', reason: 'suspendu-mc1' })).status).toBe(303);
    // The suspension ended every session: the cookie no longer signs anybody in.
    const next = await c.get('/notifications');
    expect(next.status).toBe(303);
    expect(next.headers.location).toMatch(/^\/login/);
    // Signing in again shows the sanction, nothing else.
    const again = await q.loggedIn(m.handle);
    const page = await again.get('/');
    expect(page.status).toBe(403);
    expect(page.text).toContain('suspendu-mc1');
  });

  it('shows a warning on the very next page, and the normal page again right after it is acknowledged', async () => {
    const m = await createUser(q.db, { handle: 'mc_warned' });
    const c = await q.loggedIn(m.handle);
    expect((await c.get('/')).status).toBe(200);
    expect((await submit(modC, `/moderation/members/${m.handle}/sanctions`, { kind: 'warning', reason: 'averti-mc2' })).status).toBe(303);
    const warned = await c.get('/');
    expect(warned.status).toBe(403);
    expect(warned.text).toContain('averti-mc2');
    // The sanction page is itself a page view: the warning is what is cached now.
    expect((await c.get('/')).status).toBe(403);
    const s = await q.db.selectFrom('moderation_sanctions').select('id').where('user_id', '=', m.id).executeTakeFirstOrThrow();
    expect((await c.submit(`/account/moderation/${s.id}/acknowledge`, {}, { from: '/account/moderation' })).status).toBe(303);
    const after = await c.get('/');
    expect(after.status).toBe(200);
    expect(after.text).not.toContain('averti-mc2');
  });

  it('shows the moderation queue in the header on the very next page after a role change, and takes it away again', async () => {
    const m = await createUser(q.db, { handle: 'mc_promoted' });
    const c = await q.loggedIn(m.handle);
    expect((await c.get('/')).text).not.toContain('id="moderation-count"');
    expect((await c.get('/moderation')).status).not.toBe(200);
    await q.app.services.roles.setRole(m.handle, 'moderator');
    const home = await c.get('/');
    expect(home.text).toContain('id="moderation-count"');
    expect(home.text).toContain('href="/moderation"');
    expect((await c.get('/moderation')).status).toBe(200);
    await q.app.services.roles.setRole(m.handle, 'member');
    expect((await c.get('/')).text).not.toContain('id="moderation-count"');
    expect((await c.get('/moderation')).status).not.toBe(200);
  });

  it('shows the next page in the language just chosen, in the member’s other sessions too', async () => {
    const m = await createUser(q.db, { handle: 'mc_lang', locale: 'fr' });
    const here = await q.loggedIn(m.handle);
    // Another browser of the same member: no language cookie, so its pages follow the saved
    // preference, which comes with the (cached) session.
    const elsewhere = await q.loggedIn(m.handle);
    expect(fr('layout.nav.account')).not.toBe(en('layout.nav.account'));
    for (const c of [here, elsewhere]) expect((await c.get('/')).text).toContain('<html lang="fr">');
    expect((await submit(here, '/lang', { lang: 'en', next: '/' })).status).toBe(303);
    const other = await elsewhere.get('/');
    expect(other.text).toContain('<html lang="en">');
    expect(other.text).toContain(en('layout.nav.account'));
    expect((await here.get('/')).text).toContain('<html lang="en">');
    expect((await q.db.selectFrom('users').select('locale').where('id', '=', m.id).executeTakeFirstOrThrow()).locale).toBe('en');
  });
});

// ---- 2. the unread count -----------------------------------------------------------------------

describe('the cached unread count', () => {
  it('control: a notification written straight into the table is not counted until the cached count is dropped', async () => {
    const a = await createUser(t.db, { handle: 'mc_uctl' });
    const other = await createUser(t.db, { handle: 'mc_uctl_other' });
    const c = await t.loggedIn(a.handle);
    expect(unreadBadge((await c.get('/')).text)).toBeUndefined();
    await t.db.insertInto('notifications').values({ user_id: a.id, kind: 'new_follower', actor_id: other.id }).execute();
    expect(unreadBadge((await c.get('/')).text)).toBeUndefined();
    t.app.services.cache.invalidate([cacheTags.unread(a.id)]);
    expect(unreadBadge((await c.get('/')).text)).toBe('1');
  });

  it('counts a mention the bus announced on the next page, and drops the badge at once when all is read', async () => {
    const a = await createUser(t.db, { handle: 'mc_ua' });
    const b = await createUser(t.db, { handle: 'mc_ub' });
    const aC = await t.loggedIn(a.handle);
    const bC = await t.loggedIn(b.handle);
    expect(unreadBadge((await aC.get('/')).text)).toBeUndefined();
    // Nothing the post service drops belongs to A's cached count: only the bus's `user:<id>`
    // event (server/live/hub.ts) can.
    await publishPost(bC, b.handle, 'Une question pour @mc_ua', 'members');
    const badge = await within2s(async () => unreadBadge((await aC.get('/')).text), (v) => v === '1');
    expect(badge).toBe('1');
    expect((await submit(aC, '/notifications/read')).status).toBe(303);
    expect(unreadBadge((await aC.get('/')).text)).toBeUndefined();
  });

  it('counts a new follower on the next page, and drops the badge at once when all is read (instance without bus)', async () => {
    const a = await createUser(q.db, { handle: 'mc_qa' });
    const b = await createUser(q.db, { handle: 'mc_qb' });
    const aC = await q.loggedIn(a.handle);
    const bC = await q.loggedIn(b.handle);
    expect(unreadBadge((await aC.get('/')).text)).toBeUndefined();
    // A follow changes A's relations, which the cached count is tagged with: it goes at commit.
    expect((await submit(bC, `/@${a.handle}/follow`)).status).toBe(303);
    expect(unreadBadge((await aC.get('/')).text)).toBe('1');
    expect((await submit(aC, '/notifications/read')).status).toBe(303);
    expect(unreadBadge((await aC.get('/')).text)).toBeUndefined();
  });
});

// ---- 3. the relations cache --------------------------------------------------------------------

describe('the cached relations', () => {
  it('control: a follow written straight into the table does not open a followers-only post until the relations are dropped', async () => {
    const a = await createUser(t.db, { handle: 'mc_rctl_a' });
    const b = await createUser(t.db, { handle: 'mc_rctl_b' });
    const aC = await t.loggedIn(a.handle);
    const postId = await publishPost(await t.loggedIn(b.handle), b.handle, 'abonnés-seulement-ctl', 'followers');
    expect((await aC.get(`/@${b.handle}`)).text).not.toContain(`id="post-${postId}"`);
    await t.db.insertInto('follows').values({ follower_id: a.id, followee_id: b.id }).execute();
    expect((await aC.get(`/@${b.handle}`)).text).not.toContain(`id="post-${postId}"`);
    t.app.services.cache.invalidate([cacheTags.relations(a.id)]);
    expect((await aC.get(`/@${b.handle}`)).text).toContain(`id="post-${postId}"`);
  });

  it('shows a followers-only post on the wall right after following, and hides it right after unfollowing', async () => {
    const a = await createUser(t.db, { handle: 'mc_ra' });
    const b = await createUser(t.db, { handle: 'mc_rb' });
    const aC = await t.loggedIn(a.handle);
    const bC = await t.loggedIn(b.handle);
    const postId = await publishPost(bC, b.handle, 'réservé-aux-abonnés-r1', 'followers');
    const wall = async () => (await aC.get(`/@${b.handle}`)).text;
    let page = await wall();
    expect(page).toContain('id="wall-title"');
    expect(page).not.toContain('réservé-aux-abonnés-r1');
    expect((await aC.get(`/posts/${postId}`)).status).toBe(404);

    expect((await submit(aC, `/@${b.handle}/follow`)).status).toBe(303);
    page = await wall();
    expect(page).toContain(`id="post-${postId}"`);
    expect(page).toContain('réservé-aux-abonnés-r1');
    expect((await aC.get(`/posts/${postId}`)).status).toBe(200);

    expect((await submit(aC, `/@${b.handle}/unfollow`)).status).toBe(303);
    page = await wall();
    expect(page).not.toContain(`id="post-${postId}"`);
    expect(page).not.toContain('réservé-aux-abonnés-r1');
    expect((await aC.get(`/posts/${postId}`)).status).toBe(404);
  });

  it('takes the blocker’s posts away from the blocked member at once: permalink, wall, and a share on a third wall', async () => {
    const a = await createUser(t.db, { handle: 'mc_ba' });
    const b = await createUser(t.db, { handle: 'mc_bb' });
    const c = await createUser(t.db, { handle: 'mc_bc' });
    const aC = await t.loggedIn(a.handle);
    const bC = await t.loggedIn(b.handle);
    const cC = await t.loggedIn(c.handle);
    const postId = await publishPost(bC, b.handle, 'écrit-par-b-r2', 'public');
    expect((await submit(cC, `/posts/${postId}/share`, { body: 'relayé-par-c-r3', visibility: 'public' })).status).toBe(303);

    expect((await aC.get(`/posts/${postId}`)).status).toBe(200);
    expect((await aC.get(`/@${b.handle}`)).text).toContain('écrit-par-b-r2');
    const thirdWall = (await aC.get(`/@${c.handle}`)).text;
    expect(thirdWall).toContain('relayé-par-c-r3');
    expect(thirdWall).toContain('écrit-par-b-r2');

    expect((await submit(bC, `/@${a.handle}/block`, { kind: 'block' })).status).toBe(303);
    expect((await aC.get(`/posts/${postId}`)).status).toBe(404);
    expect((await aC.get(`/@${b.handle}`)).status).toBe(404);
    const after = (await aC.get(`/@${c.handle}`)).text;
    expect(after).toContain('relayé-par-c-r3');
    expect(after).not.toContain('écrit-par-b-r2');
    // Everybody else still sees it.
    expect((await cC.get(`/posts/${postId}`)).status).toBe(200);
  });

  it('shows a like as pressed on the post page right after liking the post, then the comment', async () => {
    const a = await createUser(t.db, { handle: 'mc_la' });
    const author = await createUser(t.db, { handle: 'mc_lauthor' });
    const commenter = await createUser(t.db, { handle: 'mc_lcommenter' });
    const aC = await t.loggedIn(a.handle);
    const postId = await publishPost(await t.loggedIn(author.handle), author.handle, 'à-aimer-r4', 'public');
    const commentId = await newComment(await t.loggedIn(commenter.handle), postId, 'commentaire-à-aimer-r5');
    const page = async () => (await aC.get(`/posts/${postId}`)).text;

    let html = await page();
    expect(likePressed(html, 'posts', postId)).toBe('false');
    expect(likePressed(html, 'comments', commentId)).toBe('false');

    expect((await submit(aC, `/posts/${postId}/like`, { next: `/posts/${postId}` })).status).toBe(303);
    html = await page();
    expect(likePressed(html, 'posts', postId)).toBe('true');
    expect(likePressed(html, 'comments', commentId)).toBe('false');

    expect((await submit(aC, `/comments/${commentId}/like`, { next: `/posts/${postId}` })).status).toBe(303);
    html = await page();
    expect(likePressed(html, 'posts', postId)).toBe('true');
    expect(likePressed(html, 'comments', commentId)).toBe('true');

    expect((await submit(aC, `/comments/${commentId}/unlike`, { next: `/posts/${postId}` })).status).toBe(303);
    expect((await submit(aC, `/posts/${postId}/unlike`, { next: `/posts/${postId}` })).status).toBe(303);
    html = await page();
    expect(likePressed(html, 'posts', postId)).toBe('false');
    expect(likePressed(html, 'comments', commentId)).toBe('false');
  });
});

// ---- 4. viewer facts from the caches = viewer facts from the database --------------------------

describe('viewer facts built from the caches', () => {
  const KEYS = ['follows', 'followedBy', 'mentionedIn', 'likedPosts', 'likedComments', 'blockedBy', 'blocking', 'muting', 'hiddenMembers'] as const;
  const sorted = (f: ViewerFacts) => Object.fromEntries(KEYS.map((k) => [k, [...f[k]].sort((x, y) => x - y)]));

  it('gives the same sets as findViewerFacts for several viewers and queries, cold and warm', async () => {
    const m: User[] = [];
    for (let i = 1; i <= 6; i++) m.push(await createUser(t.db, { handle: `mc_vf${i}` }));
    const [v1, v2, v3, v4, v5, v6] = m as [User, User, User, User, User, User];
    const c = new Map<number, Client>();
    for (const u of m) c.set(u.id, await t.loggedIn(u.handle));
    const as = (u: User) => c.get(u.id)!;

    // Follows, some both ways.
    for (const [from, to] of [[v1, v2], [v2, v1], [v1, v3], [v4, v1], [v5, v2], [v3, v4], [v4, v3], [v6, v1], [v1, v6]] as const) {
      expect((await submit(as(from), `/@${to.handle}/follow`)).status).toBe(303);
    }
    // A hashtag follow: a follows row without a member in it.
    await t.db.insertInto('follows').values({ follower_id: v1.id, hashtag: 'mcvf' }).execute();
    // Posts with mentions, comments, likes on both.
    const p1 = await publishPost(as(v1), v1.handle, 'Bonjour @mc_vf2 et @mc_vf3', 'public');
    const p2 = await publishPost(as(v2), v2.handle, 'Merci @mc_vf1', 'members');
    const p3 = await publishPost(as(v3), v3.handle, 'Sans mention', 'public');
    const p4 = await publishPost(as(v4), v4.handle, 'Pour @mc_vf5 et @mc_vf6', 'public');
    const k1 = await newComment(as(v2), p1, 'Commentaire de 2');
    const k2 = await newComment(as(v3), p1, 'Commentaire de 3');
    const k3 = await newComment(as(v1), p1, 'Réponse de 1', k1);
    const k4 = await newComment(as(v5), p4, 'Commentaire de 5');
    for (const [who, post] of [[v2, p1], [v3, p1], [v1, p2], [v5, p3], [v6, p4], [v1, p4]] as const) {
      expect((await submit(as(who), `/posts/${post}/like`, { next: '/' })).status).toBe(303);
    }
    for (const [who, comment] of [[v1, k1], [v4, k2], [v2, k3], [v3, k1], [v4, k4]] as const) {
      expect((await submit(as(who), `/comments/${comment}/like`, { next: '/' })).status).toBe(303);
    }
    // Blocks and mutes last (a block ends follows both ways and refuses later actions).
    for (const [from, to, kind] of [[v6, v1, 'block'], [v2, v3, 'mute'], [v5, v4, 'block'], [v1, v5, 'mute']] as const) {
      expect((await submit(as(from), `/@${to.handle}/block`, { kind })).status).toBe(303);
    }

    const everyone = m.map((u) => u.id);
    const posts = [p1, p2, p3, p4];
    const comments = [k1, k2, k3, k4];
    const queries: ViewerFactsQuery[] = [
      { memberIds: [...everyone, ...everyone, 999_999_999], postIds: [...posts, p1, 999_999_999], commentIds: [...comments, k1, 999_999_999] },
      { memberIds: [v2.id, v3.id], postIds: [p1], commentIds: [] },
      { memberIds: [v1.id, v4.id, v6.id], postIds: [p2, p4], commentIds: [k1, k4] },
      { memberIds: [v5.id], postIds: [p3] },
      { memberIds: [], postIds: [] },
    ];
    const viewers = [...everyone, 999_999_999];
    const fromCaches = createViewerFacts({
      db: t.db,
      cache: createContentCache({ ttlMs: 60_000 }),
      memberCache: createContentCache({ ttlMs: 60_000 }),
    });

    const seen = new Set<string>();
    // Twice: the first round fills the caches as it goes, the second answers from them.
    for (const round of ['cold', 'warm']) {
      for (const viewer of viewers) {
        for (const [i, query] of queries.entries()) {
          const expected = sorted(await findViewerFacts(t.db, viewer, query));
          const actual = sorted(await fromCaches.facts(viewer, query));
          expect(actual, `${round}, viewer ${viewer}, query ${i}`).toEqual(expected);
          for (const k of KEYS) if (expected[k]!.length) seen.add(k);
        }
      }
    }
    // The network holds an instance of every fact, so an answer missing one kind cannot pass.
    expect([...seen].sort()).toEqual([...KEYS].sort());
  });
});

// ---- 5. pages written as bytes -----------------------------------------------------------------

describe('pages written as bytes', () => {
  let postId: number;
  let commentIds: number[];
  let viewer: User;
  let viewerC: Client;

  beforeAll(async () => {
    const author = await createUser(t.db, { handle: 'mc_pb_author' });
    const other = await createUser(t.db, { handle: 'mc_pb_other' });
    viewer = await createUser(t.db, { handle: 'mc_pb_viewer' });
    const authorC = await t.loggedIn(author.handle);
    const otherC = await t.loggedIn(other.handle);
    viewerC = await t.loggedIn(viewer.handle);
    postId = await publishPost(authorC, author.handle, 'Café ☕ et fusée 🚀 « déménagement » & <rien>', 'public');
    const first = await newComment(otherC, postId, 'Première réponse — été ☀️');
    const reply = await newComment(authorC, postId, 'Réponse à la réponse 🎉', first);
    const second = await newComment(viewerC, postId, 'Le mien, œuvre naïve');
    commentIds = [first, reply, second];
  });

  it('fills every like form of a signed-in post page with the viewer’s own CSRF token, on each view, and leaves no marker', async () => {
    const tokens: string[] = [];
    for (let view = 0; view < 2; view++) {
      const res = await viewerC.get(`/posts/${postId}`);
      expect(res.status).toBe(200);
      const html = res.text;
      // The layout's own forms (outside any fragment) carry the token this page gives the browser.
      const token = csrfFrom(html);
      tokens.push(token);
      const allTokens = [...html.matchAll(/name="_csrf" value="([^"]*)"/g)].map((x) => x[1]);
      expect(new Set(allTokens)).toEqual(new Set([token]));
      const likeForms = [...html.matchAll(/<form method="post" action="\/(?:posts|comments)\/\d+\/(?:like|unlike)"[\s\S]*?<\/form>/g)].map((x) => x[0]);
      // The post and its three comments (the reply included).
      expect(likeForms).toHaveLength(1 + commentIds.length);
      for (const form of likeForms) expect(form).toContain(`name="_csrf" value="${token}"`);
      // The page's path (the other per-request slot) is filled in too.
      expect(html).toContain(`name="next" value="/posts/${postId}#post-${postId}"`);
      expect(html).not.toContain('\u0000');
      expect(html).not.toContain('fragment-');
      expect(html).toContain('Café ☕ et fusée 🚀 « déménagement » &amp; &lt;rien&gt;');
      expect(html).toContain('Première réponse — été ☀️');
      expect(html).toContain('Réponse à la réponse 🎉');
      expect(Buffer.byteLength(html, 'utf8')).toBe(Number(res.headers['content-length']));
    }
    // Each view has its own token: the second page's fragments, served again, took the new one.
    expect(tokens[1]).not.toBe(tokens[0]);
    // And the token in a like form is one the server accepts.
    const like = await viewerC.submit(`/posts/${postId}/like`, { next: `/posts/${postId}` }, { csrf: tokens[1]! });
    expect(like.status).toBe(303);
  });

  it('renders pageBytes byte for byte like page, with the slots filled, rendered fresh and served again', async () => {
    const renderer = createRenderer();
    const v: Viewer = { id: viewer.id, handle: viewer.handle, displayName: viewer.display_name, role: 'member', status: 'active', locale: 'fr', sessionId: 'x' };
    const model = await t.app.services.comments.page(v, postId, undefined);
    const settings = await t.app.services.settings.getCached();
    // What reply.page builds (server/plugins/web.ts, server/routes/posts.ts renderPost), with
    // tokens and paths that need escaping.
    const context = (csrfToken: string, url: string) => ({
      unreadCount: 0,
      unreadLabel: '0',
      moderationCount: undefined,
      liveSince: 0,
      ...presentLayout({ request: { url, locale: 'fr', query: {} }, viewer: v, settings, csrfToken, t: fr, title: 'Publication' }),
      post: presentPost(model.item, fr),
      comments: presentCommentList(model.comments, model.model),
      nextComments: model.next,
      commentForm: emptyForm(),
      replyTo: undefined,
      canComment: model.item.can.interact,
    });
    const cases: [string, string][] = [
      ['jeton-un', `/posts/${postId}`],
      ['jeton<&>"\'`=é☕', `/posts/${postId}?reply=${commentIds[0]}&x="<é>"`],
      ['jeton-trois', `/posts/${postId}`],
    ];
    for (const [token, url] of cases) {
      const ctx = context(token, url);
      const bytes = renderer.pageBytes('posts/show', ctx);
      const html = renderer.page('posts/show', ctx);
      expect(bytes.toString('utf8')).toBe(html);
      expect(bytes.equals(Buffer.from(html, 'utf8'))).toBe(true);
      expect(html).not.toContain('\u0000');
      expect(html).not.toContain('fragment-');
    }
  });
});
