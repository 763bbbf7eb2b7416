// One member may publish only so much per minute (posts, shares and comments together). A refusal
// is shown on the form with the text kept, writes nothing, and does not touch other members.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { msg } from '../support/html.ts';

let t: TestApp;
let clock = new Date('2026-12-01T10:00:00Z').getTime();
let alice: Client;
let bob: Client;

beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_POSTS_PER_MINUTE: '3' }, now: () => new Date(clock) });
  await createUser(t.db, { handle: 'alice_t' });
  await createUser(t.db, { handle: 'bob_t' });
  alice = await t.loggedIn('alice_t');
  bob = await t.loggedIn('bob_t');
});
afterAll(async () => t.close());

const publish = (c: Client, body: string) => c.submitMultipart('/@alice_t/posts', { body, visibility: 'public' }, {}, { from: '/@alice_t' });
const countPosts = async () => (await t.db.selectFrom('posts').select('id').execute()).length;
const countComments = async () => (await t.db.selectFrom('comments').select('id').execute()).length;

describe('posting throttle', () => {
  it('refuses the fourth piece of writing within a minute on the form, keeping the text, and writes nothing', async () => {
    const first = await publish(alice, 'Premier message');
    expect(first.status).toBe(303);
    const postId = Number(/#post-(\d+)/.exec(first.headers.location!)![1]);
    expect((await alice.submit(`/posts/${postId}/comments`, { body: 'Un commentaire' }, { from: `/posts/${postId}` })).status).toBe(303);
    expect((await alice.submit(`/posts/${postId}/share`, { body: 'Je partage', visibility: 'members' }, { from: `/posts/${postId}/share` })).status).toBe(303);
    const [posts, comments] = [await countPosts(), await countComments()];

    const refusedPost = await publish(alice, 'Quatrième texte à garder');
    expect(refusedPost.status).toBe(422);
    expect(refusedPost.text).toContain(msg('errors.postingTooFast', { seconds: 60 }));
    expect(refusedPost.text).toContain('Quatrième texte à garder');

    const refusedComment = await alice.submit(`/posts/${postId}/comments`, { body: 'Commentaire gardé' }, { from: `/posts/${postId}` });
    expect(refusedComment.status).toBe(422);
    expect(refusedComment.text).toContain('Commentaire gardé');
    expect(refusedComment.text).toContain(msg('errors.postingTooFast', { seconds: 60 }));
    expect([await countPosts(), await countComments()]).toEqual([posts, comments]);

    // Someone else is not concerned.
    expect((await bob.submit(`/posts/${postId}/comments`, { body: 'Bob répond' }, { from: `/posts/${postId}` })).status).toBe(303);
  });

  it('does not count refused input, and lets the member write again once the minute has passed', async () => {
    clock += 61_000;
    const empty = await publish(alice, '   ');
    expect(empty.status).toBe(422);
    expect(empty.text).not.toContain(msg('errors.postingTooFast', { seconds: 60 }));
    for (const n of [1, 2, 3]) expect((await publish(alice, `Message ${n}`)).status).toBe(303);
    clock += 30_000;
    const refused = await publish(alice, 'Trop tôt');
    expect(refused.status).toBe(422);
    expect(refused.text).toContain(msg('errors.postingTooFast', { seconds: 30 }));
    clock += 31_000;
    expect((await publish(alice, 'Enfin')).status).toBe(303);
  });
});
