// The home feed: what enters it (own posts, followed members and their shares, posts on one's
// wall, followed hashtags), each post once, newest first, keyset pages, visibility checked again
// at read (followers-only posts go with the follow), suggestions when it is empty, the visitors'
// home page, and the bounded retention of the materialised inbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { publishPost as publish } from '../support/social.ts';
import { msg } from '../support/html.ts';
import { deliverToFollowersOf, FEED_REASONS, trimFeeds } from '../../server/repos/feed.ts';
import type { User } from '../../server/db/schema.ts';

let t: TestApp;
let reader: User;
let friend: User;
let stranger: User;
let reader_c: Client;
let friend_c: Client;
let stranger_c: Client;

beforeAll(async () => {
  t = await createTestApp();
  reader = await createUser(t.db, { handle: 'reader', displayName: 'Lectrice' });
  friend = await createUser(t.db, { handle: 'friend', displayName: 'Amie Suivie' });
  stranger = await createUser(t.db, { handle: 'stranger', displayName: 'Inconnu' });
  reader_c = await t.loggedIn(reader.handle);
  friend_c = await t.loggedIn(friend.handle);
  stranger_c = await t.loggedIn(stranger.handle);
});
afterAll(async () => t.close());

async function feed(c: Client, path = '/') {
  const res = await c.get(path);
  expect(res.status).toBe(200);
  return res.text;
}
const count = (html: string, needle: string) => html.split(needle).length - 1;

describe('an empty feed', () => {
  it('explains what to do and suggests members sharing skills and the most active ones', async () => {
    await t.db.insertInto('profile_tags').values([
      { user_id: reader.id, kind: 'skill', tag: 'Jardinage', position: 0 },
      { user_id: stranger.id, kind: 'interest', tag: 'jardinage', position: 0 },
    ]).execute();
    await t.db.updateTable('profiles').set({ post_count: 12 }).where('user_id', '=', friend.id).execute();
    const html = await feed(reader_c);
    expect(html).toContain(msg('feed.empty.title'));
    expect(html).toContain(msg('feed.empty.sharingTags'));
    expect(html).toContain(msg('feed.empty.active'));
    const sharing = html.slice(html.indexOf(msg('feed.empty.sharingTags')), html.indexOf(msg('feed.empty.active')));
    expect(sharing).toContain('href="/@stranger"');
    expect(html.slice(html.indexOf(msg('feed.empty.active')))).toContain('href="/@friend"');
    await t.db.updateTable('profiles').set({ post_count: 0 }).where('user_id', '=', friend.id).execute();
  });
});

describe('what enters the feed', () => {
  it('shows the member’s own posts', async () => {
    await publish(reader_c, 'reader', 'Mon tout premier message');
    expect(await feed(reader_c)).toContain('Mon tout premier message');
  });

  it('brings the recent posts of a member when following them, and their new posts after', async () => {
    await publish(friend_c, 'friend', 'Écrit avant le suivi');
    expect(await feed(reader_c)).not.toContain('Écrit avant le suivi');
    expect((await reader_c.submit('/@friend/follow', {}, { from: '/@friend' })).status).toBe(303);
    expect(await feed(reader_c)).toContain('Écrit avant le suivi');
    await publish(friend_c, 'friend', 'Écrit après le suivi', 'followers');
    const html = await feed(reader_c);
    expect(html).toContain('Écrit après le suivi');
    // Newest first.
    expect(html.indexOf('Écrit après le suivi')).toBeLessThan(html.indexOf('Écrit avant le suivi'));
  });

  it('leaves out members one does not follow, and what a followed member wrote for mentioned people only', async () => {
    await publish(stranger_c, 'stranger', 'Message d’un inconnu', 'public');
    await publish(friend_c, 'friend', 'Seulement pour @stranger', 'mentioned');
    const html = await feed(reader_c);
    expect(html).not.toContain('Message d’un inconnu');
    expect(html).not.toContain('Seulement pour');
  });

  it('shows what others write on the member’s wall, followed or not', async () => {
    await publish(stranger_c, 'reader', 'Un mot sur ton mur');
    expect(await feed(reader_c)).toContain('Un mot sur ton mur');
  });

  it('shows shares by followed members', async () => {
    const original = await publish(stranger_c, 'stranger', 'Original à partager', 'public');
    expect((await friend_c.submit(`/posts/${original}/share`, { body: 'Je relaie ceci', visibility: 'members' }, { from: `/posts/${original}/share` })).status).toBe(303);
    const html = await feed(reader_c);
    expect(html).toContain('Je relaie ceci');
    expect(html).toContain('Original à partager');
  });

  it('shows posts with a followed hashtag, except those their author keeps for followers', async () => {
    await reader_c.submit('/tags/velo/follow', {}, { from: '/tags/velo' });
    await publish(stranger_c, 'stranger', 'Atelier #velo samedi', 'members');
    await publish(stranger_c, 'stranger', 'Réparation #velo entre abonnés', 'followers');
    const html = await feed(reader_c);
    expect(html).toContain('Atelier');
    expect(html).not.toContain('Réparation');
  });

  it('shows a post once even when it is there for several reasons', async () => {
    const id = await publish(friend_c, 'reader', 'Pour toi, avec #velo');
    const html = await feed(reader_c);
    expect(count(html, `id="post-${id}"`)).toBe(1);
    const row = await t.db.selectFrom('feed_items').select('reasons').where('member_id', '=', reader.id).where('post_id', '=', id).executeTakeFirstOrThrow();
    expect(row.reasons).toBe(2 | 4 | 8);
  });
});

describe('after an unfollow', () => {
  /** The reasons of the reader's feed items for the posts with this body. */
  const reasonsOf = async (body: string) =>
    (await t.db.selectFrom('feed_items as f').innerJoin('posts as p', 'p.id', 'f.post_id').select('f.reasons').where('f.member_id', '=', reader.id).where('p.body', '=', body).execute()).map((r) => r.reasons);

  it('drops the followed member’s posts, followers-only ones included, but keeps those another reason holds', async () => {
    expect((await reader_c.submit('/@friend/unfollow', {}, { from: '/@friend' })).status).toBe(303);
    const html = await feed(reader_c);
    expect(html).not.toContain('Écrit après le suivi');
    expect(html).not.toContain('Écrit avant le suivi');
    expect(html).not.toContain('Je relaie ceci');
    // On the reader's wall, with a followed hashtag: still there, without the "followed" reason.
    expect(html).toContain('Pour toi, avec');
    expect(await reasonsOf('Pour toi, avec #velo')).toEqual([FEED_REASONS.wall | FEED_REASONS.hashtag]);
  });

  it('drops hashtag posts after unfollowing the hashtag', async () => {
    await reader_c.submit('/tags/velo/unfollow', {}, { from: '/tags/velo' });
    const html = await feed(reader_c);
    expect(html).not.toContain('Atelier');
    expect(html).toContain('Pour toi, avec');
    expect(await reasonsOf('Pour toi, avec #velo')).toEqual([FEED_REASONS.wall]);
    expect(await reasonsOf('Atelier #velo samedi')).toEqual([]);
  });
});

describe('visibility checked when the page is read', () => {
  it('hides a post whose author narrowed its visibility, and a deleted one', async () => {
    await reader_c.submit('/@friend/follow', {}, { from: '/@friend' });
    const id = await publish(friend_c, 'friend', 'Bientôt plus restreint', 'members');
    expect(await feed(reader_c)).toContain('Bientôt plus restreint');
    expect((await friend_c.submit(`/posts/${id}/edit`, { body: 'Bientôt plus restreint', visibility: 'mentioned' }, { from: `/posts/${id}/edit` })).status).toBe(303);
    expect(await feed(reader_c)).not.toContain('Bientôt plus restreint');
    expect((await friend_c.submit(`/posts/${id}/delete`, {}, { from: `/posts/${id}` })).status).toBe(303);
    expect(await t.db.selectFrom('feed_items').select('post_id').where('post_id', '=', id).execute()).toHaveLength(0);
  });
});

describe('pages', () => {
  it('pages by keyset: 20 posts, then the older ones, none twice', async () => {
    const pager = await createUser(t.db, { handle: 'pager' });
    const pager_c = await t.loggedIn(pager.handle);
    for (let i = 0; i < 25; i++) await publish(pager_c, 'pager', `Message numéro ${String(i).padStart(2, '0')} fin`);
    const first = await feed(pager_c);
    expect(count(first, 'Message numéro')).toBe(20);
    expect(first).toContain('Message numéro 24 fin');
    expect(first).not.toContain('Message numéro 04 fin');
    const next = /href="\/\?before=([^"]+)"/.exec(first)![1]!;
    const second = await feed(pager_c, `/?before=${next}`);
    expect(count(second, 'Message numéro')).toBe(5);
    expect(second).toContain('Message numéro 04 fin');
    expect(second).toContain('Message numéro 00 fin');
    expect(second).not.toContain('Message numéro 05 fin');
    expect(second).not.toMatch(/href="\/\?before=/);
    // A cursor that does not parse is the first page.
    expect(count(await feed(pager_c, '/?before=garbage'), 'Message numéro')).toBe(20);
  });

  it('still leads to older posts when every item of a page is hidden from the member now', async () => {
    const late = await createUser(t.db, { handle: 'late_reader' });
    const late_c = await t.loggedIn(late.handle);
    await publish(late_c, 'late_reader', 'Mon message plus ancien');
    // Twenty newer items the member may no longer see (say, kept for people they unfollowed).
    const since = Date.now();
    for (let i = 0; i < 20; i++) {
      const id = await publish(stranger_c, 'stranger', `Caché numéro ${i}`, 'mentioned');
      await t.db.insertInto('feed_items').values({ member_id: late.id, post_id: id, feed_at: new Date(since + 1000 + i), reasons: FEED_REASONS.followed }).execute();
    }
    const first = await feed(late_c);
    expect(first).not.toContain('Caché numéro');
    expect(first).not.toContain(msg('feed.empty.title'));
    const next = /href="\/\?before=([^"]+)"/.exec(first)![1]!;
    expect(await feed(late_c, `/?before=${next}`)).toContain('Mon message plus ancien');
  });

  it('keeps only the newest items of each feed when trimmed', async () => {
    const pager = await t.db.selectFrom('users').select('id').where('handle', '=', 'pager').executeTakeFirstOrThrow();
    await trimFeeds(t.db, [pager.id], 10);
    const rows = await t.db.selectFrom('feed_items').select('post_id').where('member_id', '=', pager.id).orderBy('feed_at', 'desc').execute();
    expect(rows).toHaveLength(10);
  });
});

describe('delivering to the followers of something (the hook later features use)', () => {
  it('puts one item in the feed of everyone following the target, once, keeping earlier reasons', async () => {
    const fans = [await createUser(t.db, { handle: 'fan_a' }), await createUser(t.db, { handle: 'fan_b' })];
    for (const f of fans) await t.db.insertInto('follows').values({ follower_id: f.id, followee_id: stranger.id }).execute();
    const id = await publish(stranger_c, 'stranger', 'Livré aux abonnés', 'members');
    const reached = await deliverToFollowersOf(t.db, 'followee_id', [stranger.id], { postId: id, feedAt: new Date() }, FEED_REASONS.topic);
    expect(new Set(reached)).toEqual(new Set(fans.map((f) => f.id)));
    const rows = await t.db.selectFrom('feed_items').select(['member_id', 'reasons']).where('post_id', '=', id).where('member_id', 'in', fans.map((f) => f.id)).execute();
    expect(rows.map((r) => r.reasons)).toEqual([FEED_REASONS.followed | FEED_REASONS.topic, FEED_REASONS.followed | FEED_REASONS.topic]);
    expect(await deliverToFollowersOf(t.db, 'hashtag', [], { postId: id, feedAt: new Date() }, FEED_REASONS.topic)).toEqual([]);
  });
});

describe('the home page of visitors', () => {
  it('shows the instance description and recent public posts only', async () => {
    await publish(stranger_c, 'stranger', 'Annonce publique du quartier', 'public');
    await publish(stranger_c, 'stranger', 'Réservé aux membres du réseau', 'members');
    const html = await feed(t.client());
    expect(html).toContain(msg('feed.public.title'));
    expect(html).toContain('Annonce publique du quartier');
    expect(html).not.toContain('Réservé aux membres du réseau');
    expect(html).toContain('href="/signup"');
  });
});
