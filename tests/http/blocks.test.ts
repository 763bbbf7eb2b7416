// Blocks and mutes on every surface that exists: walls and profiles, permalinks, comments, tag
// pages, share previews, notifications, following and mentions. A block works both ways and the
// blocked member cannot comment on, mention or follow the blocker; a mute only hides the muted
// member's writing from the one who muted. The known leak of other systems — a blocked member
// still reading the blocker's comments under someone else's post — is checked explicitly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import type { User } from '../../server/db/schema.ts';
import { idFrom } from '../support/social.ts';

let t: TestApp;
let blocker: User;
let blocked: User;
let third: User;
let blockerC: Client;
let blockedC: Client;
let thirdC: Client;

const submit = async (c: Client, path: string, fields: Record<string, string> = {}) => c.submit(path, fields, { csrf: await c.token() });
const newPost = async (c: Client, wall: string, body: string) => idFrom(await c.submitMultipart(`/@${wall}/posts`, { body, visibility: 'public' }, {}, { csrf: await c.token() }), 'post');
const newComment = async (c: Client, postId: number, body: string) => idFrom(await submit(c, `/posts/${postId}/comments`, { body }), 'comment');

let blockerPost: number;
let thirdPost: number;
let blockerComment: number;

beforeAll(async () => {
  t = await createTestApp();
  blocker = await createUser(t.db, { handle: 'bk_blocker' });
  blocked = await createUser(t.db, { handle: 'bk_blocked' });
  third = await createUser(t.db, { handle: 'bk_third' });
  blockerC = await t.loggedIn(blocker.handle);
  blockedC = await t.loggedIn(blocked.handle);
  thirdC = await t.loggedIn(third.handle);
  // Before the block: follows both ways, a mention notification, content everywhere.
  expect((await submit(blockedC, '/@bk_blocker/follow')).status).toBe(303);
  expect((await submit(blockerC, '/@bk_blocked/follow')).status).toBe(303);
  blockerPost = await newPost(blockerC, 'bk_blocker', 'mur-du-bloqueur-b1 #bloctag @bk_blocked');
  thirdPost = await newPost(thirdC, 'bk_third', 'publication-tierce-b2');
  blockerComment = await newComment(blockerC, thirdPost, 'commentaire-du-bloqueur-b3');
  await newComment(blockedC, thirdPost, 'commentaire-du-bloqué-b4');
  expect((await submit(thirdC, `/posts/${blockerPost}/share`, { body: 'relais-b5', visibility: 'public' })).status).toBe(303);
  expect((await blockedC.get('/notifications')).text).toContain(`/posts/${blockerPost}`);
  const res = await submit(blockerC, '/@bk_blocked/block', { kind: 'block' });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/account/blocks?notice=memberBlocked');
});
afterAll(async () => t.close());

describe('a block, seen by the blocked member', () => {
  it('hides the blocker’s profile, wall and posts', async () => {
    expect((await blockedC.get('/@bk_blocker')).status).toBe(404);
    expect((await blockedC.get(`/posts/${blockerPost}`)).status).toBe(404);
    expect((await thirdC.get(`/posts/${blockerPost}`)).status).toBe(200);
  });

  it('hides the blocker’s comments under someone else’s post', async () => {
    const page = (await blockedC.get(`/posts/${thirdPost}`)).text;
    expect(page).toContain('publication-tierce-b2');
    expect(page).not.toContain('commentaire-du-bloqueur-b3');
    expect((await thirdC.get(`/posts/${thirdPost}`)).text).toContain('commentaire-du-bloqueur-b3');
  });

  it('hides the blocker’s posts on tag pages and inside shares', async () => {
    expect((await blockedC.get('/tags/bloctag')).text).not.toContain('mur-du-bloqueur-b1');
    expect((await thirdC.get('/tags/bloctag')).text).toContain('mur-du-bloqueur-b1');
    const wall = (await blockedC.get('/@bk_third')).text;
    expect(wall).toContain('relais-b5');
    expect(wall).not.toContain('mur-du-bloqueur-b1');
  });

  it('hides notifications about the blocker’s writing', async () => {
    expect((await blockedC.get('/notifications')).text).not.toContain(`/posts/${blockerPost}`);
  });

  it('cannot comment on the blocker’s post, reply to or like their comment, or follow them', async () => {
    expect((await submit(blockedC, `/posts/${blockerPost}/comments`, { body: 'non' })).status).toBe(404);
    expect((await submit(blockedC, `/posts/${thirdPost}/comments`, { body: 'réponse', parentId: String(blockerComment) })).status).toBe(404);
    expect((await submit(blockedC, `/comments/${blockerComment}/like`, { next: '/' })).status).toBe(404);
    expect((await submit(blockedC, '/@bk_blocker/follow')).status).toBe(404);
  });

  it('ended the follows both ways', async () => {
    const follows = await t.db.selectFrom('follows').selectAll().where('followee_id', 'in', [blocker.id, blocked.id]).where('follower_id', 'in', [blocker.id, blocked.id]).execute();
    expect(follows).toHaveLength(0);
    const counts = await t.db.selectFrom('profiles').select(['user_id', 'follower_count', 'following_count']).where('user_id', 'in', [blocker.id, blocked.id]).execute();
    for (const c of counts) expect([c.follower_count, c.following_count]).toEqual([0, 0]);
  });

  it('mentioning the blocker notifies nobody', async () => {
    const before = await t.db.selectFrom('notifications').select('id').where('user_id', '=', blocker.id).execute();
    await newPost(blockedC, 'bk_blocked', 'coucou @bk_blocker');
    await newComment(blockedC, thirdPost, 'et toi @bk_blocker');
    const after = await t.db.selectFrom('notifications').select('id').where('user_id', '=', blocker.id).execute();
    expect(after.length).toBe(before.length);
  });
});

describe('a block, seen by the blocker', () => {
  it('hides the blocked member’s posts and comments too', async () => {
    const post = await newPost(blockedC, 'bk_blocked', 'écrit-par-le-bloqué-b6');
    expect((await blockerC.get(`/posts/${post}`)).status).toBe(404);
    expect((await blockerC.get(`/posts/${thirdPost}`)).text).not.toContain('commentaire-du-bloqué-b4');
    expect((await blockerC.get('/account/blocks')).text).toContain('@bk_blocked');
  });

  it('unblocking shows everything again', async () => {
    expect((await submit(blockerC, '/@bk_blocked/unblock')).status).toBe(303);
    expect((await blockedC.get('/@bk_blocker')).status).toBe(200);
    expect((await blockedC.get(`/posts/${thirdPost}`)).text).toContain('commentaire-du-bloqueur-b3');
    expect((await submit(blockerC, '/@bk_blocked/block', { kind: 'block' })).status).toBe(303);
  });
});

describe('a mute', () => {
  it('hides the muted member’s writing from the one who muted only, and stops their mentions reaching them', async () => {
    const muter = await createUser(t.db, { handle: 'bk_muter' });
    const muted = await createUser(t.db, { handle: 'bk_muted' });
    const muterC = await t.loggedIn(muter.handle);
    const mutedC = await t.loggedIn(muted.handle);
    const post = await newPost(mutedC, 'bk_muted', 'bavard-m1 #muettag');
    const onThird = await newComment(mutedC, thirdPost, 'bavard-commentaire-m2');
    expect((await submit(muterC, '/@bk_muted/block', { kind: 'mute' })).status).toBe(303);
    expect((await muterC.get(`/posts/${post}`)).status).toBe(404);
    expect((await muterC.get('/tags/muettag')).text).not.toContain('bavard-m1');
    expect((await muterC.get(`/posts/${thirdPost}`)).text).not.toContain('bavard-commentaire-m2');
    // The muted member is not blocked: they still see the muter and can follow them.
    expect((await mutedC.get('/@bk_muter')).status).toBe(200);
    expect((await submit(mutedC, '/@bk_muter/follow')).status).toBe(303);
    const before = await t.db.selectFrom('notifications').select('id').where('user_id', '=', muter.id).execute();
    await newPost(mutedC, 'bk_muted', 'hé @bk_muter');
    expect(await t.db.selectFrom('notifications').select('id').where('user_id', '=', muter.id).execute()).toHaveLength(before.length);
    expect(onThird).toBeGreaterThan(0);
  });

  it('cannot block oneself or an unknown member, and visitors must log in', async () => {
    expect((await submit(blockerC, '/@bk_blocker/block', { kind: 'block' })).status).toBe(404);
    expect((await submit(blockerC, '/@nobody_here/block', { kind: 'block' })).status).toBe(404);
    const visitor = t.client();
    expect((await visitor.submit('/@bk_blocker/block', { kind: 'block' }, { csrf: await visitor.token() })).status).toBe(401);
  });
});
