import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import type { User } from '../../server/db/schema.ts';

let t: TestApp;
let alice: User;
let bob: User;
let carol: User;
let aliceC: Client;
let bobC: Client;
let carolC: Client;

beforeAll(async () => {
  t = await createTestApp();
  await createUser(t.db, { handle: 'admin_p', role: 'admin' });
  alice = await createUser(t.db, { handle: 'Alice', displayName: 'Alice Martin' });
  bob = await createUser(t.db, { handle: 'Bob', displayName: 'Bob Durand' });
  carol = await createUser(t.db, { handle: 'Carol', displayName: 'Carol Petit' });
  aliceC = await t.loggedIn('Alice');
  bobC = await t.loggedIn('Bob');
  carolC = await t.loggedIn('Carol');
});
afterAll(async () => t.close());

async function publish(c: Client, wall: string, fields: Record<string, string>, files: Record<string, { buffer: Buffer; filename: string }> = {}) {
  return c.submitMultipart(`/@${wall}/posts`, fields, files, { from: `/@${wall}/posts/new` });
}
const postIdFrom = (location: string) => Number(/#post-(\d+)/.exec(location)![1]);
const row = (id: number) => t.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('writing posts', () => {
  it('publishes a Markdown post with a mention and a hashtag, notifying the mentioned member', async () => {
    const res = await publish(aliceC, 'Alice', { body: 'Bonjour **voisins** @bob ! Qui a une perceuse ? #bricolage #Café', visibility: 'public' });
    expect(res.status).toBe(303);
    const id = postIdFrom(res.headers.location!);
    const page = await t.client().get(`/posts/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<strong>voisins</strong>');
    expect(page.text).toContain('<a href="/@Bob" class="mention">@Bob</a>');
    expect(page.text).toContain('<a href="/tags/caf%C3%A9" class="hashtag">#Café</a>');
    const tags = await t.db.selectFrom('post_tags').select('tag').where('post_id', '=', id).orderBy('tag').execute();
    expect(tags.map((x) => x.tag)).toEqual(['bricolage', 'café']);
    const notes = await bobC.get('/notifications');
    expect(notes.text).toContain('vous a mentionné·e dans une publication');
    expect(notes.text).toContain(`/posts/${id}`);
    const tagPage = await t.client().get('/tags/caf%C3%A9');
    expect(tagPage.text).toContain(`post-${id}`);
    expect((await t.db.selectFrom('profiles').select('post_count').where('user_id', '=', alice.id).executeTakeFirstOrThrow()).post_count).toBe(1);
  });

  it('refuses an empty body, a javascript: link and an unknown visibility, keeping the text', async () => {
    const before = (await t.db.selectFrom('posts').select('id').execute()).length;
    const empty = await publish(aliceC, 'Alice', { body: '   ', visibility: 'public' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Écrivez un message ou ajoutez une photo.');
    const bad = await publish(aliceC, 'Alice', { body: 'Voir [ici](javascript:alert(1))', visibility: 'public' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Ce lien n’est pas autorisé');
    expect(bad.text).toContain('Voir [ici](javascript:alert(1))');
    const vis = await publish(aliceC, 'Alice', { body: 'ok', visibility: 'secret' });
    expect(vis.status).toBe(422);
    const long = await publish(aliceC, 'Alice', { body: 'x'.repeat(5001), visibility: 'public' });
    expect(long.status).toBe(422);
    const nul = await publish(aliceC, 'Alice', { body: 'avant\u0000après', visibility: 'public' });
    expect(nul.status).toBe(422);
    expect(nul.text).toContain('caractères invisibles');
    const bidi = await publish(aliceC, 'Alice', { body: 'abc\u202Edef', visibility: 'public' });
    expect(bidi.status).toBe(422);
    const post = await publish(aliceC, 'Alice', { body: 'ok', visibility: 'public' });
    const id = postIdFrom(post.headers.location!);
    const nulComment = await bobC.submit(`/posts/${id}/comments`, { body: 'a\u0000b' }, { from: `/posts/${id}` });
    expect(nulComment.status).toBe(422);
    const nulEdit = await aliceC.submit(`/posts/${id}/edit`, { body: 'a\u0000b', visibility: 'public' }, { from: `/posts/${id}/edit` });
    expect(nulEdit.status).toBe(422);
    await aliceC.submit(`/posts/${id}/delete`, {}, { from: `/posts/${id}` });
    expect((await t.db.selectFrom('posts').select('id').execute()).length).toBe(before);
  });

  it('escapes raw HTML in posts', async () => {
    const res = await publish(aliceC, 'Alice', { body: '<script>alert(1)</script><img src=x onerror=alert(1)>', visibility: 'public' });
    const page = await t.client().get(`/posts/${postIdFrom(res.headers.location!)}`);
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;script&gt;');
  });

  it('publishes photos re-encoded to WebP with their alt text', async () => {
    const jpeg = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#3a7' } }).jpeg().toBuffer();
    const res = await publish(aliceC, 'Alice', { body: 'Le jardin partagé', visibility: 'members', alt1: 'Un potager en été' }, { photo1: { buffer: jpeg, filename: 'jardin.jpg' } });
    expect(res.status).toBe(303);
    const id = postIdFrom(res.headers.location!);
    const page = await bobC.get(`/posts/${id}`);
    const src = /<img src="(\/media\/[^"]+)" alt="Un potager en été" width="(\d+)" height="(\d+)"/.exec(page.text);
    expect(src).not.toBeNull();
    const img = await bobC.agent.get(src![1]!);
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toBe('image/webp');
  });

  it('refuses a file that is not an image, on the form', async () => {
    const res = await publish(aliceC, 'Alice', { body: 'Regardez', visibility: 'public' }, { photo1: { buffer: Buffer.from('not an image at all'), filename: 'x.jpg' } });
    expect(res.status).toBe(422);
    expect(res.text).toContain('id="field-photo1-error"');
    expect(res.text).toContain('Regardez');
  });
});

describe('walls', () => {
  it('lets a member write on another wall when it is open, and the owner remove it', async () => {
    const res = await publish(bobC, 'Alice', { body: 'Merci pour ton aide !', visibility: 'members' });
    expect(res.status).toBe(303);
    const id = postIdFrom(res.headers.location!);
    expect(await row(id)).toMatchObject({ wall_owner_id: alice.id, author_id: bob.id });
    const del = await aliceC.submit(`/posts/${id}/delete`, {}, { from: `/posts/${id}` });
    expect(del.status).toBe(303);
    expect(await t.db.selectFrom('posts').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
  });

  it('refuses writing on a wall closed to everyone', async () => {
    await t.db.updateTable('profiles').set({ wall_policy: 'nobody' }).where('user_id', '=', carol.id).execute();
    const res = await publish(bobC, 'Carol', { body: 'Coucou', visibility: 'members' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Vous ne pouvez pas écrire sur ce mur.');
    // The owner still can.
    expect((await publish(carolC, 'Carol', { body: 'Mon mur', visibility: 'members' })).status).toBe(303);
    await t.db.updateTable('profiles').set({ wall_policy: 'everyone' }).where('user_id', '=', carol.id).execute();
  });
});

describe('comments, likes, shares', () => {
  it('comments, replies (one level), likes, and counts stay right', async () => {
    const res = await publish(aliceC, 'Alice', { body: 'Atelier vélo samedi', visibility: 'public' });
    const id = postIdFrom(res.headers.location!);
    const c1 = await bobC.submit(`/posts/${id}/comments`, { body: 'Je viens !' }, { from: `/posts/${id}` });
    expect(c1.status).toBe(303);
    const commentId = Number(/#comment-(\d+)/.exec(c1.headers.location!)![1]);
    const r1 = await carolC.submit(`/posts/${id}/comments`, { body: 'Moi aussi @alice', parentId: String(commentId) }, { from: `/posts/${id}` });
    const replyId = Number(/#comment-(\d+)/.exec(r1.headers.location!)![1]);
    // A reply to a reply is attached to the top comment.
    const r2 = await aliceC.submit(`/posts/${id}/comments`, { body: 'Super', parentId: String(replyId) }, { from: `/posts/${id}` });
    const r2Id = Number(/#comment-(\d+)/.exec(r2.headers.location!)![1]);
    expect((await t.db.selectFrom('comments').select('parent_id').where('id', '=', r2Id).executeTakeFirstOrThrow()).parent_id).toBe(commentId);
    for (const c of [aliceC, bobC, carolC]) await c.submit(`/posts/${id}/like`, { next: `/posts/${id}` }, { from: `/posts/${id}` });
    await bobC.submit(`/posts/${id}/like`, { next: `/posts/${id}` }, { from: `/posts/${id}` });
    await carolC.submit(`/posts/${id}/unlike`, { next: `/posts/${id}` }, { from: `/posts/${id}` });
    await aliceC.submit(`/comments/${commentId}/like`, {}, { from: `/posts/${id}` });
    const p = await row(id);
    expect(p.like_count).toBe(2);
    expect(p.comment_count).toBe(3);
    const page = await t.client().get(`/posts/${id}`);
    expect(page.text).toContain('2 j’aime');
    expect(page.text).toContain('3 commentaires');
    const likers = await t.client().get(`/posts/${id}/likes`);
    expect(likers.text).toContain('Alice Martin');
    expect(likers.text).toContain('Bob Durand');
    expect(likers.text).not.toContain('Carol Petit');
    // Deleting the top comment takes its replies with it.
    await bobC.submit(`/comments/${commentId}/delete`, {}, { from: `/posts/${id}` });
    expect((await row(id)).comment_count).toBe(0);
  });

  it('keeps counts exact under 30 simultaneous likes', async () => {
    const res = await publish(aliceC, 'Alice', { body: 'Like-moi', visibility: 'public' });
    const id = postIdFrom(res.headers.location!);
    const people = await Promise.all(Array.from({ length: 30 }, (_, i) => createUser(t.db, { handle: `liker_${i}` })));
    const clients = await Promise.all(people.map(async (p) => {
      const c = await t.loggedIn(p.handle);
      return c;
    }));
    const tokens = await Promise.all(clients.map((c) => c.csrf('/')));
    const results = await Promise.all(clients.map((c, i) => c.submit(`/posts/${id}/like`, {}, { csrf: tokens[i]! })));
    expect(results.every((r) => r.status === 303)).toBe(true);
    // And each twice more at once: still one like each.
    await Promise.all(clients.map((c, i) => c.submit(`/posts/${id}/like`, {}, { csrf: tokens[i]! })));
    expect((await row(id)).like_count).toBe(30);
  });

  it('keeps the share count exact under 12 simultaneous shares', async () => {
    const res = await publish(aliceC, 'Alice', { body: 'À faire circuler', visibility: 'members' });
    const id = postIdFrom(res.headers.location!);
    const people = await Promise.all(Array.from({ length: 12 }, (_, i) => createUser(t.db, { handle: `sharer_${i}` })));
    const clients = await Promise.all(
      people.map(async (p) => {
        const c = await t.loggedIn(p.handle);
        return c;
      }),
    );
    const tokens = await Promise.all(clients.map((c) => c.csrf('/')));
    const results = await Promise.all(clients.map((c, i) => c.submit(`/posts/${id}/share`, { body: '', visibility: 'members' }, { csrf: tokens[i]! })));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(303));
    expect((await row(id)).share_count).toBe(12);
    const shares = await t.db.selectFrom('posts').select('id').where('shared_post_id', '=', id).execute();
    expect(shares).toHaveLength(12);
  });

  it('shares a public post with a comment, counting shares on the original', async () => {
    const res = await publish(aliceC, 'Alice', { body: 'Collecte de vêtements', visibility: 'public' });
    const id = postIdFrom(res.headers.location!);
    const share = await bobC.submit(`/posts/${id}/share`, { body: 'À relayer', visibility: 'public' }, { from: `/posts/${id}/share` });
    expect(share.status).toBe(303);
    const shareId = postIdFrom(share.headers.location!);
    expect((await row(id)).share_count).toBe(1);
    const page = await t.client().get(`/posts/${shareId}`);
    expect(page.text).toContain('À relayer');
    expect(page.text).toContain('Collecte de vêtements');
    // A followers-only post cannot be shared.
    const priv = await publish(aliceC, 'Alice', { body: 'Entre nous', visibility: 'followers' });
    const privId = postIdFrom(priv.headers.location!);
    expect((await bobC.submit(`/posts/${privId}/share`, { body: '', visibility: 'public' }, { from: '/' })).status).toBe(404);
  });

  it('edits a post, keeping the earlier version for moderators', async () => {
    const res = await publish(aliceC, 'Alice', { body: 'Premier jet', visibility: 'public' });
    const id = postIdFrom(res.headers.location!);
    const edit = await aliceC.submit(`/posts/${id}/edit`, { body: 'Version corrigée', visibility: 'public' }, { from: `/posts/${id}/edit` });
    expect(edit.status).toBe(303);
    const page = await t.client().get(`/posts/${id}`);
    expect(page.text).toContain('Version corrigée');
    expect(page.text).toContain('modifié');
    expect((await bobC.submit(`/posts/${id}/edit`, { body: 'pirate', visibility: 'public' }, { from: '/' })).status).toBe(404);
    const admin = await t.loggedIn('admin_p');
    const history = await admin.get(`/posts/${id}/revisions`);
    expect(history.status).toBe(200);
    expect(history.text).toContain('Premier jet');
    expect((await bobC.get(`/posts/${id}/revisions`)).status).toBe(404);
  });
});
