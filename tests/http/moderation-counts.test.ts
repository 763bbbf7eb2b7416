// The counters moderation moves, whoever acts next: a held post counts once approved, and an
// author deleting their own hidden post or comment does not take it off a count it already left
// (the author's delete and the moderators' share one removal: removePostInside, removeCommentInside).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import type { User } from '../../server/db/schema.ts';
import { idFrom } from '../support/social.ts';

let t: TestApp;
let author: User;
let reader: User;
let authorC: Client;
let readerC: Client;
let modC: Client;

const submit = async (c: Client, path: string, fields: Record<string, string> = {}) => c.submit(path, fields, { csrf: await c.token() });
const newPost = async (c: Client, wall: string, body: string) =>
  idFrom(await c.submitMultipart(`/@${wall}/posts`, { body, visibility: 'public' }, {}, { csrf: await c.token() }), 'post');
const newComment = async (c: Client, postId: number, body: string, parentId?: number) =>
  idFrom(await submit(c, `/posts/${postId}/comments`, { body, ...(parentId ? { parentId: String(parentId) } : {}) }), 'comment');
const postCount = async (userId: number) => (await t.db.selectFrom('profiles').select('post_count').where('user_id', '=', userId).executeTakeFirstOrThrow()).post_count;
const commentCount = async (postId: number) => (await t.db.selectFrom('posts').select('comment_count').where('id', '=', postId).executeTakeFirstOrThrow()).comment_count;
const caseOf = async (kind: string, id: number, origin: string) =>
  (await t.db.selectFrom('moderation_cases').selectAll().where('target_kind', '=', kind).where('target_id', '=', id).where('origin', '=', origin as never).executeTakeFirstOrThrow()).id;

/** `reporter` reports the content and the moderator hides it from its case. */
async function hide(kind: 'post' | 'comment', id: number, reporter = readerC) {
  expect((await submit(reporter, `/report/${kind}/${id}`, { reason: 'spam' })).status).toBe(303);
  expect((await submit(modC, `/moderation/cases/${await caseOf(kind, id, 'reports')}/action`, { action: 'hide', reason: 'hors sujet' })).status).toBe(303);
}

beforeAll(async () => {
  t = await createTestApp();
  author = await createUser(t.db, { handle: 'mc_author' });
  reader = await createUser(t.db, { handle: 'mc_reader' });
  const mod = await createUser(t.db, { handle: 'mc_mod', role: 'moderator' });
  authorC = await t.loggedIn(author.handle);
  readerC = await t.loggedIn(reader.handle);
  modC = await t.loggedIn(mod.handle);
});
afterAll(async () => t.close());

describe('counts after moderation', () => {
  it('counts a held post once a moderator approves it, and offers no second approval', async () => {
    const limited = await createUser(t.db, { handle: 'mc_limited' });
    const lc = await t.loggedIn(limited.handle);
    expect((await submit(modC, '/moderation/members/mc_limited/sanctions', { kind: 'limit', duration: '7d', templateId: '1' })).status).toBe(303);
    const res = await lc.submitMultipart('/@mc_limited/posts', { body: 'en-attente-c1', visibility: 'public' }, {}, { csrf: await lc.token() });
    expect(res.headers.location).toContain('notice=postHeld');
    const postId = Number(/#post-(\d+)/.exec(res.headers.location!)![1]);
    expect(await postCount(limited.id)).toBe(0);
    const caseId = await caseOf('post', postId, 'held');
    expect((await modC.get(`/moderation/cases/${caseId}`)).text).toContain('value="approve"');
    expect((await submit(modC, `/moderation/cases/${caseId}/action`, { action: 'approve' })).status).toBe(303);
    expect(await postCount(limited.id)).toBe(1);
    expect((await modC.get(`/moderation/cases/${caseId}`)).text).not.toContain('value="approve"');
  });

  it('leaves the post count alone when the author deletes their own hidden post', async () => {
    // Counters never go below zero: one shown post keeps the check meaningful.
    await newPost(authorC, 'mc_author', 'publication qui reste c2');
    const before = await postCount(author.id);
    const postId = await newPost(authorC, 'mc_author', 'masquée-puis-supprimée-c2');
    expect(await postCount(author.id)).toBe(before + 1);
    await hide('post', postId);
    expect(await postCount(author.id)).toBe(before);
    expect((await submit(authorC, `/posts/${postId}/delete`, { next: '/' })).status).toBe(303);
    expect(await postCount(author.id)).toBe(before);
  });

  it('leaves the comment count alone when the author deletes their own hidden comment, and counts only shown replies', async () => {
    const postId = await newPost(readerC, 'mc_reader', 'publication commentée c3');
    // Counters never go below zero: one shown comment keeps the checks meaningful.
    await newComment(readerC, postId, 'commentaire qui reste c3');
    const hidden = await newComment(authorC, postId, 'commentaire masqué c3');
    await hide('comment', hidden);
    expect(await commentCount(postId)).toBe(1);
    expect((await submit(authorC, `/comments/${hidden}/delete`, { next: '/' })).status).toBe(303);
    expect(await commentCount(postId)).toBe(1);

    // A shown comment with a shown reply and a hidden reply: deleting it takes two off, not three.
    const top = await newComment(authorC, postId, 'commentaire c3b');
    await newComment(readerC, postId, 'réponse visible c3b', top);
    const hiddenReply = await newComment(readerC, postId, 'réponse masquée c3b', top);
    await hide('comment', hiddenReply, authorC);
    expect(await commentCount(postId)).toBe(3);
    expect((await submit(authorC, `/comments/${top}/delete`, { next: '/' })).status).toBe(303);
    expect(await commentCount(postId)).toBe(1);
  });
});
