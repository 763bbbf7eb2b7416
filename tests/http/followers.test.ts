// Followers beyond the follow button: members who approve their followers (requests, accept,
// refuse, withdraw, what a pending requester may see), removing a follower, the followers and
// following lists, follow notifications, following a hashtag, and every route for each role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { followCounts, publishPost as publish } from '../support/social.ts';
import { msg } from '../support/html.ts';
import { isFollowing } from '../../server/repos/follows.ts';
import type { User } from '../../server/db/schema.ts';

let t: TestApp;
let carla: User; // approves her followers
let dan: User;
let eve: User;
let admin: User;
let carla_c: Client;
let dan_c: Client;
let eve_c: Client;
let admin_c: Client;

beforeAll(async () => {
  t = await createTestApp();
  carla = await createUser(t.db, { handle: 'carla', displayName: 'Carla Prudente' });
  dan = await createUser(t.db, { handle: 'dan', displayName: 'Dan Curieux' });
  eve = await createUser(t.db, { handle: 'eve', displayName: 'Eve Voisine' });
  admin = await createUser(t.db, { handle: 'root_admin', displayName: 'Admin', role: 'admin' });
  carla_c = await t.loggedIn(carla.handle);
  dan_c = await t.loggedIn(dan.handle);
  eve_c = await t.loggedIn(eve.handle);
  admin_c = await t.loggedIn(admin.handle);
});
afterAll(async () => t.close());

const counts = (user: User) => followCounts(t.db, user);
async function notificationsOf(user: User) {
  return t.db.selectFrom('notifications').select(['kind', 'actor_id', 'post_id']).where('user_id', '=', user.id).orderBy('id').execute();
}
async function requestRows() {
  return t.db.selectFrom('follow_requests').selectAll().execute();
}

describe('approving followers', () => {
  let secretId: number;

  it('lets a member turn on approval from their followers page', async () => {
    const page = await carla_c.get('/settings/followers');
    expect(page.status).toBe(200);
    expect(page.text).toContain(msg('followers.approval.legend'));
    const res = await carla_c.submit('/settings/followers', { approve: '1' }, { from: '/settings/followers' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/settings/followers?notice=approvalSaved');
    const row = await t.db.selectFrom('profiles').select('approve_followers').where('user_id', '=', carla.id).executeTakeFirstOrThrow();
    expect(row.approve_followers).toBe(true);
    secretId = await publish(carla_c, 'carla', 'Réservé à mes abonnés', 'followers');
  });

  it('turns a follow into a request: no follow, no counts, the followers-only post stays hidden', async () => {
    expect((await dan_c.get('/@carla')).text).toContain(msg('followers.askToFollow'));
    const res = await dan_c.submit('/@carla/follow', {}, { from: '/@carla' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/@carla?notice=requested');
    expect(await isFollowing(t.db, dan.id, carla.id)).toBe(false);
    expect(await requestRows()).toEqual([expect.objectContaining({ requester_id: dan.id, target_id: carla.id })]);
    expect(await counts(carla)).toEqual({ follower_count: 0, following_count: 0 });
    expect(await notificationsOf(carla)).toEqual([{ kind: 'follow_request', actor_id: dan.id, post_id: null }]);

    const profile = await dan_c.get('/@carla');
    expect(profile.text).toContain(msg('followers.requestPending', { name: 'Carla Prudente' }));
    expect(profile.text).not.toContain('Réservé à mes abonnés');
    expect((await dan_c.get(`/posts/${secretId}`)).status).toBe(404);
    expect((await dan_c.get('/')).text).not.toContain('Réservé à mes abonnés');

    // Asking again changes nothing and does not notify twice.
    await dan_c.submit('/@carla/follow', {}, { from: '/@carla' });
    expect(await requestRows()).toHaveLength(1);
    expect(await notificationsOf(carla)).toHaveLength(1);
  });

  it('shows the request to the member, with a notification that leads there', async () => {
    const notes = await carla_c.get('/notifications');
    expect(notes.text).toContain(msg('notifications.kinds.follow_request'));
    expect(notes.text).toContain('href="/settings/followers"');
    const page = await carla_c.get('/settings/followers');
    expect(page.text).toContain('action="/settings/followers/dan/accept"');
    expect(page.text).toContain('action="/settings/followers/dan/refuse"');
  });

  it('accepting makes a follow: counts, notification, followers-only posts and the feed open', async () => {
    const res = await carla_c.submit('/settings/followers/dan/accept', {}, { from: '/settings/followers' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/settings/followers?notice=requestAccepted');
    expect(await isFollowing(t.db, dan.id, carla.id)).toBe(true);
    expect(await requestRows()).toHaveLength(0);
    expect(await counts(carla)).toEqual({ follower_count: 1, following_count: 0 });
    expect(await counts(dan)).toEqual({ follower_count: 0, following_count: 1 });
    expect((await dan_c.get(`/posts/${secretId}`)).status).toBe(200);
    expect((await dan_c.get('/')).text).toContain('Réservé à mes abonnés');
    // The request is gone: answering it again is "not found".
    expect((await carla_c.submit('/settings/followers/dan/accept', {}, { from: '/settings/followers' })).status).toBe(404);
  });

  it('refusing drops the request and opens nothing', async () => {
    await eve_c.submit('/@carla/follow', {}, { from: '/@carla' });
    const res = await carla_c.submit('/settings/followers/eve/refuse', {}, { from: '/settings/followers' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/settings/followers?notice=requestRefused');
    expect(await requestRows()).toHaveLength(0);
    expect(await isFollowing(t.db, eve.id, carla.id)).toBe(false);
    expect((await eve_c.get(`/posts/${secretId}`)).status).toBe(404);
    expect((await eve_c.get('/@carla')).text).toContain(msg('followers.askToFollow'));
  });

  it('lets the requester withdraw a pending request', async () => {
    await eve_c.submit('/@carla/follow', {}, { from: '/@carla' });
    expect(await requestRows()).toHaveLength(1);
    const res = await eve_c.submit('/@carla/unfollow', {}, { from: '/@carla' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/@carla?notice=requestWithdrawn');
    expect((await eve_c.get(res.headers.location!)).text).toContain(msg('profile.notices.requestWithdrawn'));
    expect(await requestRows()).toHaveLength(0);
    // Nothing was followed: the counters did not move.
    expect(await counts(carla)).toEqual({ follower_count: 1, following_count: 0 });
  });

  it('turning approval off accepts the waiting requests', async () => {
    await eve_c.submit('/@carla/follow', {}, { from: '/@carla' });
    await carla_c.submit('/settings/followers', { approve: '0' }, { from: '/settings/followers' });
    expect(await requestRows()).toHaveLength(0);
    expect(await isFollowing(t.db, eve.id, carla.id)).toBe(true);
    expect(await counts(carla)).toEqual({ follower_count: 2, following_count: 0 });
  });
});

describe('turning approval off with many requests waiting', () => {
  it('accepts every active requester at once: exact counts, one notification each, their feeds filled', async () => {
    const popular = await createUser(t.db, { handle: 'popular', displayName: 'Populaire' });
    const popular_c = await t.loggedIn(popular.handle);
    const early = await createUser(t.db, { handle: 'early_fan' });
    await (await t.loggedIn(early.handle)).submit('/@popular/follow', {}, { from: '/@popular' });
    await popular_c.submit('/settings/followers', { approve: '1' }, { from: '/settings/followers' });
    await publish(popular_c, 'popular', 'Pour mes abonnés seulement', 'followers');
    const askers: User[] = [];
    for (let i = 0; i < 4; i++) {
      const u = await createUser(t.db, { handle: `asker_${i}` });
      expect((await (await t.loggedIn(u.handle)).submit('/@popular/follow', {}, { from: '/@popular' })).headers.location).toBe('/@popular?notice=requested');
      askers.push(u);
    }
    // A request whose author is no longer active is not accepted.
    const gone = await createUser(t.db, { handle: 'gone_asker' });
    await t.db.insertInto('follow_requests').values({ requester_id: gone.id, target_id: popular.id }).execute();
    await t.db.updateTable('users').set({ status: 'rejected' }).where('id', '=', gone.id).execute();

    const res = await popular_c.submit('/settings/followers', { approve: '0' }, { from: '/settings/followers' });
    expect(res.headers.location).toBe('/settings/followers?notice=approvalSaved');
    expect(await counts(popular)).toEqual({ follower_count: 5, following_count: 0 });
    for (const u of askers) {
      expect(await isFollowing(t.db, u.id, popular.id)).toBe(true);
      expect(await counts(u)).toEqual({ follower_count: 0, following_count: 1 });
      const feed = await t.db.selectFrom('feed_items').select('post_id').where('member_id', '=', u.id).execute();
      expect(feed).toHaveLength(1);
    }
    const notes = (await notificationsOf(popular)).filter((n) => n.kind === 'new_follower');
    expect(notes.map((n) => n.actor_id).sort()).toEqual([early, ...askers].map((u) => u.id).sort());
    expect(await t.db.selectFrom('follow_requests').select('requester_id').where('target_id', '=', popular.id).execute()).toEqual([{ requester_id: gone.id }]);
    expect(await isFollowing(t.db, gone.id, popular.id)).toBe(false);
  });
});

describe('removing a follower', () => {
  it('stops them following: counts, followers-only posts and feed items go', async () => {
    const page = await carla_c.get('/@carla/followers');
    expect(page.text).toContain('action="/@dan/remove-follower"');
    const res = await carla_c.submit('/@dan/remove-follower', {}, { from: '/@carla/followers' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/@carla/followers?notice=followerRemoved');
    expect(await isFollowing(t.db, dan.id, carla.id)).toBe(false);
    expect(await counts(carla)).toEqual({ follower_count: 1, following_count: 0 });
    expect(await counts(dan)).toEqual({ follower_count: 0, following_count: 0 });
    expect((await dan_c.get('/')).text).not.toContain('Réservé à mes abonnés');
    const items = await t.db.selectFrom('feed_items').select('post_id').where('member_id', '=', dan.id).execute();
    expect(items).toHaveLength(0);
    // Again: nothing to change, still a redirect.
    expect((await carla_c.submit('/@dan/remove-follower', {}, { from: '/@carla/followers' })).status).toBe(303);
    expect(await counts(carla)).toEqual({ follower_count: 1, following_count: 0 });
  });
});

describe('followers and following lists', () => {
  it('lists followers and followings newest first, by pages, to everyone', async () => {
    const star = await createUser(t.db, { handle: 'star', displayName: 'Étoile' });
    const fans: User[] = [];
    for (let i = 0; i < 32; i++) fans.push(await createUser(t.db, { handle: `fan_${String(i).padStart(2, '0')}`, displayName: `Fan ${i}` }));
    for (const [i, f] of fans.entries()) {
      await t.db.insertInto('follows').values({ follower_id: f.id, followee_id: star.id, created_at: new Date(Date.UTC(2026, 0, 1, 0, i)) }).execute();
    }
    const anonymous = t.client();
    const first = await anonymous.get('/@star/followers');
    expect(first.status).toBe(200);
    expect(first.text).toContain('href="/@fan_31"');
    expect(first.text).not.toContain('href="/@fan_01"');
    expect(first.text).not.toContain('remove-follower');
    const next = /href="\/@star\/followers\?before=([^"]+)"/.exec(first.text)![1]!;
    const second = await anonymous.get(`/@star/followers?before=${next}`);
    expect(second.text).toContain('href="/@fan_01"');
    expect(second.text).toContain('href="/@fan_00"');
    expect(second.text).not.toContain('href="/@fan_31"');

    const following = await anonymous.get('/@fan_00/following');
    expect(following.status).toBe(200);
    expect(following.text).toContain('href="/@star"');
    expect((await anonymous.get('/@star/following')).text).toContain(msg('followers.lists.following.empty'));
    expect((await anonymous.get('/@nobody_here/followers')).status).toBe(404);
  });
});

describe('follow notifications', () => {
  it('notifies the followed member, linking to the follower', async () => {
    const fresh = await createUser(t.db, { handle: 'fresh', displayName: 'Nouvelle' });
    const fresh_c = await t.loggedIn(fresh.handle);
    await dan_c.submit('/@fresh/follow', {}, { from: '/@fresh' });
    expect(await notificationsOf(fresh)).toEqual([{ kind: 'new_follower', actor_id: dan.id, post_id: null }]);
    const page = await fresh_c.get('/notifications');
    expect(page.text).toContain(msg('notifications.kinds.new_follower'));
    expect(page.text).toContain('href="/@dan"');
  });
});

describe('following a hashtag', () => {
  it('follows and unfollows from the tag page', async () => {
    await publish(eve_c, 'eve', 'Qui a une #perceuse à prêter ?', 'public');
    const page = await dan_c.get('/tags/perceuse');
    expect(page.text).toContain('action="/tags/perceuse/follow"');
    const res = await dan_c.submit('/tags/Perceuse/follow', {}, { from: '/tags/perceuse' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tags/perceuse');
    const after = await dan_c.get('/tags/perceuse');
    expect(after.text).toContain(msg('followers.hashtag.youFollow', { tag: 'perceuse' }));
    expect(after.text).toContain('action="/tags/perceuse/unfollow"');
    const rows = await t.db.selectFrom('follows').select(['hashtag']).where('follower_id', '=', dan.id).where('hashtag', 'is not', null).execute();
    expect(rows).toEqual([{ hashtag: 'perceuse' }]);
    await dan_c.submit('/tags/perceuse/unfollow', {}, { from: '/tags/perceuse' });
    expect((await dan_c.get('/tags/perceuse')).text).toContain('action="/tags/perceuse/follow"');
  });

  it('answers 404 for a tag that cannot exist', async () => {
    expect((await dan_c.submit(`/tags/${encodeURIComponent('a b')}/follow`, {}, { from: '/' })).status).toBe(404);
  });
});

describe('who may use each follow route', () => {
  const routes = [
    '/@eve/follow',
    '/@eve/unfollow',
    '/@eve/remove-follower',
    '/settings/followers',
    '/settings/followers/eve/accept',
    '/settings/followers/eve/refuse',
    '/tags/jardin/follow',
    '/tags/jardin/unfollow',
  ];

  it('refuses visitors (401) and pending accounts (403) on every action', async () => {
    const anonymous = t.client();
    const pending = await createUser(t.db, { status: 'pending' });
    const pending_c = await t.loggedIn(pending.handle);
    for (const path of routes) {
      expect((await anonymous.submit(path, {}, { from: '/' })).status, `visitor ${path}`).toBe(401);
      expect((await pending_c.submit(path, {}, { from: '/' })).status, `pending ${path}`).toBe(403);
    }
    const page = await anonymous.get('/settings/followers');
    expect(page.status).toBe(303);
    expect(page.headers.location).toMatch(/^\/login\?next=/);
    expect((await pending_c.get('/settings/followers')).status).toBe(403);
  });

  it('lets the target act only on what concerns them: no self-follow, no request to answer', async () => {
    expect((await eve_c.submit('/@eve/follow', {}, { from: '/' })).status).toBe(404);
    expect((await eve_c.submit('/@eve/unfollow', {}, { from: '/' })).status).toBe(404);
    // eve has no request from herself: not found.
    expect((await eve_c.submit('/settings/followers/eve/accept', {}, { from: '/' })).status).toBe(404);
  });

  it('gives admins no power over other members’ followers', async () => {
    // Dan asks Carla (approval on again); an admin cannot answer for her.
    await carla_c.submit('/settings/followers', { approve: '1' }, { from: '/settings/followers' });
    await dan_c.submit('/@carla/follow', {}, { from: '/@carla' });
    expect((await admin_c.submit('/settings/followers/dan/accept', {}, { from: '/' })).status).toBe(404);
    expect(await isFollowing(t.db, dan.id, carla.id)).toBe(false);
    // The admin's own followers page lists only their own requests.
    expect((await admin_c.get('/settings/followers')).text).not.toContain('/settings/followers/dan/accept');
    // Removing a follower only ever concerns the admin's own followers.
    await eve_c.submit('/@carla/unfollow', {}, { from: '/@carla' });
    await eve_c.submit('/@carla/follow', {}, { from: '/@carla' });
    expect((await admin_c.submit('/@eve/remove-follower', {}, { from: '/' })).status).toBe(303);
    expect(await t.db.selectFrom('follow_requests').select('requester_id').where('requester_id', '=', eve.id).execute()).toHaveLength(1);
    expect((await admin_c.submit('/@dan/remove-follower', {}, { from: '/' })).status).toBe(303);
    expect(await isFollowing(t.db, dan.id, carla.id)).toBe(false);
    // A member follows as any member does.
    expect((await admin_c.submit('/@dan/follow', {}, { from: '/@dan' })).status).toBe(303);
    expect(await isFollowing(t.db, admin.id, dan.id)).toBe(true);
  });

  it('shows the lists to everyone but offers removal only to the owner, and hides the lists of inactive members', async () => {
    const owner = await createUser(t.db, { handle: 'list_owner' });
    await t.db.insertInto('follows').values({ follower_id: dan.id, followee_id: owner.id }).execute();
    for (const c of [t.client(), dan_c, eve_c, admin_c]) {
      const page = await c.get('/@list_owner/followers');
      expect(page.status).toBe(200);
      expect(page.text).toContain('href="/@dan"');
      expect(page.text).not.toContain('remove-follower');
    }
    expect((await (await t.loggedIn(owner.handle)).get('/@list_owner/followers')).text).toContain('action="/@dan/remove-follower"');
    const gone = await createUser(t.db, { handle: 'gone_member', status: 'rejected' });
    await t.db.insertInto('follows').values({ follower_id: dan.id, followee_id: gone.id }).execute();
    for (const list of ['followers', 'following']) {
      expect((await dan_c.get(`/@gone_member/${list}`)).status, list).toBe(404);
      expect((await admin_c.get(`/@gone_member/${list}`)).status, list).toBe(404);
    }
    // Nor do they appear in the lists of others.
    expect((await dan_c.get('/@dan/following')).text).not.toContain('href="/@gone_member"');
  });

  it('needs the CSRF token', async () => {
    expect((await dan_c.submit('/@eve/follow', {}, { csrf: null })).status).toBe(403);
    expect((await dan_c.submit('/settings/followers', { approve: '1' }, { csrf: null })).status).toBe(403);
  });
});
