// Visitors without an account get walls, posts and tags from a short cache; everyone else never.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';

let t: TestApp;
let author: Client;
let postId: number;
beforeAll(async () => {
  // The content cache of signed-in pages is off here: these tests change rows behind the app's back.
  t = await createTestApp({ env: { PAGE_CACHE_SECONDS: '60', CONTENT_CACHE_SECONDS: '0' } });
  await createUser(t.db, { handle: 'admin_c', role: 'admin' });
  await createUser(t.db, { handle: 'Auteur' });
  author = await t.loggedIn('Auteur');
  const res = await author.submitMultipart('/@Auteur/posts', { body: 'Version une', visibility: 'public' }, {}, { from: '/@Auteur' });
  postId = Number(/#post-(\d+)/.exec(res.headers.location!)![1]);
});
afterAll(async () => t.close());

const setBody = (body: string) => t.db.updateTable('posts').set({ body_html: `<p>${body}</p>` }).where('id', '=', postId).execute();

describe('page cache for visitors without an account', () => {
  it('serves the same page again, with a CSRF token of each visitor’s own', async () => {
    const first = await t.client().get(`/posts/${postId}`);
    expect(first.text).toContain('Version une');
    // Changed behind the application's back: the cached page is still served…
    await setBody('Changée en base');
    const a = t.client();
    const second = await a.get(`/posts/${postId}`);
    expect(second.headers['x-page-cache']).toBe('hit');
    expect(second.text).toContain('Version une');
    expect(csrfFrom(second.text)).not.toBe(csrfFrom(first.text));
    expect(second.text).not.toContain('csrf-slot-');
    // …and the token works for that visitor's forms.
    const lang = await a.submit('/lang', { lang: 'en', next: `/posts/${postId}` }, { csrf: csrfFrom(second.text) });
    expect(lang.status).toBe(303);
  });

  it('is not emptied by a refused request', async () => {
    await t.client().get(`/posts/${postId}`);
    const refused = await t.client().submit(`/posts/${postId}/like`, {}, { csrf: 'forged' });
    expect(refused.status).toBe(403);
    const page = await t.client().get(`/posts/${postId}`);
    expect(page.headers['x-page-cache']).toBe('hit');
  });

  it('is emptied by any change made through the application', async () => {
    await author.submit(`/posts/${postId}/like`, {}, { from: `/posts/${postId}` });
    const page = await t.client().get(`/posts/${postId}`);
    expect(page.headers['x-page-cache']).toBeUndefined();
    expect(page.text).toContain('Changée en base');
    expect(page.text).toContain('1 j’aime');
  });

  it('keeps one entry per language', async () => {
    const en = await t.client().get(`/posts/${postId}`).set('accept-language', 'en');
    expect(en.text).toContain('<html lang="en">');
    const fr = await t.client().get(`/posts/${postId}`);
    expect(fr.text).toContain('<html lang="fr">');
  });

  it('never serves a signed-in member from it', async () => {
    await t.client().get('/@Auteur');
    await setBody('Vue par les membres');
    const page = await author.get(`/posts/${postId}`);
    expect(page.headers['x-page-cache']).toBeUndefined();
    expect(page.text).toContain('Vue par les membres');
  });
});
