// Following members: the buttons on the profile, idempotent actions, who may follow whom, and the
// counters on profiles staying exact when many requests arrive at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { msg } from '../support/html.ts';
import { followCounts } from '../support/social.ts';
import { isFollowing } from '../../server/repos/follows.ts';
import type { User } from '../../server/db/schema.ts';

let t: TestApp;
let alice: User;
let bob: User;
let alice_c: Client;
let bob_c: Client;
beforeAll(async () => {
  t = await createTestApp();
  alice = await createUser(t.db, { handle: 'Alice_Dupont', displayName: 'Alice Dupont' });
  bob = await createUser(t.db, { handle: 'bob_leroy', displayName: 'Bob Leroy' });
  alice_c = await t.loggedIn(alice.handle);
  bob_c = await t.loggedIn(bob.handle);
});
afterAll(async () => t.close());

const counts = (user: User) => followCounts(t.db, user);
async function followRows(followeeId?: number) {
  let q = t.db.selectFrom('follows').selectAll();
  if (followeeId !== undefined) q = q.where('followee_id', '=', followeeId);
  return q.execute();
}

describe('follow and unfollow', () => {
  it('follows from the profile page, counts it once, and offers to unfollow', async () => {
    const page = await alice_c.get('/@bob_leroy');
    expect(page.text).toContain('<form method="post" action="/@bob_leroy/follow">');
    const res = await alice_c.submit('/@bob_leroy/follow', {}, { from: '/@bob_leroy' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/@bob_leroy?notice=followed');
    expect(await isFollowing(t.db, alice.id, bob.id)).toBe(true);
    expect(await isFollowing(t.db, bob.id, alice.id)).toBe(false);
    expect(await counts(bob)).toEqual({ follower_count: 1, following_count: 0 });
    expect(await counts(alice)).toEqual({ follower_count: 0, following_count: 1 });

    const after = await alice_c.get(res.headers.location!);
    expect(after.text).toContain(msg('profile.notices.followed'));
    expect(after.text).toContain(msg('profile.follow.youFollow', { name: 'Bob Leroy' }));
    expect(after.text).toContain('<form method="post" action="/@bob_leroy/unfollow">');
    expect(after.text).toContain('<strong>1</strong> abonné·e</li>');
    // Alice's own page counts whom she follows.
    expect((await bob_c.get('/@alice_dupont')).text).toContain('<strong>1</strong> abonnement</li>');
  });

  it('is idempotent: following again changes nothing', async () => {
    const res = await alice_c.submit('/@BOB_LEROY/follow', {}, { from: '/@bob_leroy' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/@bob_leroy?notice=followed');
    expect(await followRows(bob.id)).toHaveLength(1);
    expect(await counts(bob)).toEqual({ follower_count: 1, following_count: 0 });
    expect(await counts(alice)).toEqual({ follower_count: 0, following_count: 1 });
  });

  it('unfollows, idempotently too', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await alice_c.submit('/@bob_leroy/unfollow', {}, { from: '/@bob_leroy' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/@bob_leroy?notice=unfollowed');
      expect(await isFollowing(t.db, alice.id, bob.id)).toBe(false);
      expect(await counts(bob)).toEqual({ follower_count: 0, following_count: 0 });
      expect(await counts(alice)).toEqual({ follower_count: 0, following_count: 0 });
    }
    const page = await alice_c.get('/@bob_leroy');
    expect(page.text).toContain('action="/@bob_leroy/follow"');
  });

  it('answers 404 for oneself, unknown handles and accounts that are not active', async () => {
    const pending = await createUser(t.db, { status: 'pending' });
    const rejected = await createUser(t.db, { status: 'rejected' });
    for (const handle of ['Alice_Dupont', 'personne_ici', pending.handle, rejected.handle, 'été']) {
      for (const action of ['follow', 'unfollow']) {
        const res = await alice_c.submit(`/@${encodeURIComponent(handle)}/${action}`, {}, { from: '/' });
        expect(res.status, `${action} ${handle}`).toBe(404);
      }
    }
    expect(await followRows()).toHaveLength(0);
    expect(await counts(alice)).toEqual({ follower_count: 0, following_count: 0 });
    // No button on one's own page.
    const own = await alice_c.get('/@Alice_Dupont');
    expect(own.text).not.toContain('/follow"');
  });

  it('needs an active, signed-in member and the CSRF token', async () => {
    const anonymous = t.client();
    expect((await anonymous.submit('/@bob_leroy/follow', {}, { from: '/' })).status).toBe(401);
    const page = await anonymous.get('/@bob_leroy');
    expect(page.text).not.toContain('action="/@bob_leroy/follow"');
    expect(page.text).toContain(msg('profile.follow.loginToFollow'));

    const pending = await createUser(t.db, { status: 'pending' });
    const p = await t.loggedIn(pending.handle);
    expect((await p.submit('/@bob_leroy/follow', {}, { from: '/' })).status).toBe(403);

    expect((await alice_c.submit('/@bob_leroy/follow', {}, { csrf: null })).status).toBe(403);
    expect((await alice_c.submit('/@bob_leroy/follow', {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await followRows(bob.id)).toHaveLength(0);
    expect(await counts(bob)).toEqual({ follower_count: 0, following_count: 0 });
  });
});

describe('under concurrency', () => {
  async function signedIn(n: number, prefix: string): Promise<{ users: User[]; clients: Client[] }> {
    const users = await Promise.all(Array.from({ length: n }, (_, i) => createUser(t.db, { handle: `${prefix}_${i}` })));
    const clients = users.map(() => t.client());
    await Promise.all(clients.map((c, i) => c.login(users[i]!.handle)));
    return { users, clients };
  }

  it('20 members following one member at once give exactly 20 followers', async () => {
    const star = await createUser(t.db, { handle: 'vedette' });
    const { users, clients } = await signedIn(20, 'fan');
    const tokens = await Promise.all(clients.map((c) => c.csrf('/@vedette')));
    const results = await Promise.all(clients.map((c, i) => c.submit('/@vedette/follow', {}, { csrf: tokens[i]! })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(303));
    expect(await counts(star)).toEqual({ follower_count: 20, following_count: 0 });
    expect(await followRows(star.id)).toHaveLength(20);
    for (const u of users) expect(await counts(u)).toEqual({ follower_count: 0, following_count: 1 });

    // And all unfollowing at once brings it back to zero.
    const tokens2 = await Promise.all(clients.map((c) => c.csrf('/@vedette')));
    const undone = await Promise.all(clients.map((c, i) => c.submit('/@vedette/unfollow', {}, { csrf: tokens2[i]! })));
    expect(undone.map((r) => r.status)).toEqual(Array(20).fill(303));
    expect(await counts(star)).toEqual({ follower_count: 0, following_count: 0 });
    expect(await followRows(star.id)).toHaveLength(0);
  });

  it('the same follow sent 10 times at once is counted once', async () => {
    const target = await createUser(t.db);
    const token = await bob_c.csrf('/');
    const results = await Promise.all(Array.from({ length: 10 }, () => bob_c.submit(`/@${target.handle}/follow`, {}, { csrf: token })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(303));
    expect(await counts(target)).toEqual({ follower_count: 1, following_count: 0 });
    expect(await counts(bob)).toEqual({ follower_count: 0, following_count: 1 });
    const undone = await Promise.all(Array.from({ length: 10 }, () => bob_c.submit(`/@${target.handle}/unfollow`, {}, { csrf: token })));
    expect(undone.map((r) => r.status)).toEqual(Array(10).fill(303));
    expect(await counts(target)).toEqual({ follower_count: 0, following_count: 0 });
    expect(await counts(bob)).toEqual({ follower_count: 0, following_count: 0 });
  });

  it('people following each other at the same moment neither deadlock nor miscount', async () => {
    const { users, clients } = await signedIn(6, 'voisin');
    const tokens = await Promise.all(clients.map((c) => c.csrf('/')));
    // Everyone follows everyone else, all at once.
    const requests = clients.flatMap((c, i) => users.filter((_, j) => j !== i).map((u) => c.submit(`/@${u.handle}/follow`, {}, { csrf: tokens[i]! })));
    const results = await Promise.all(requests);
    expect(results.every((r) => r.status === 303)).toBe(true);
    for (const u of users) expect(await counts(u)).toEqual({ follower_count: 5, following_count: 5 });
  });
});
