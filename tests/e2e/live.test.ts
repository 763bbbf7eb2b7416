// Live comments in a real browser: Anna and Basile both look at Anna's post; Basile comments;
// Anna's page shows the comment without reloading, announces it politely, keeps her focus and
// scroll position, and her unread count rises. Then, with JavaScript turned off, the same pages
// still work by reload. axe passes on both.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createUser } from '../support/factories.ts';
import { insertComment } from '../../server/repos/comments.ts';
import { checkPage, DESKTOP, expectNoHorizontalScroll, expectNoPageProblems, logIn, navigate, useE2E } from './support/browser.ts';

const e2e = useE2E();
let postId: number;

async function commentThroughForm(page: Page, text: string) {
  await page.getByLabel(/^Votre commentaire/).fill(text);
  await navigate(page, () => page.locator('#comment-form').getByRole('button', { name: 'Commenter' }).click());
}

/** Waits until the page's script has subscribed to this channel and caught up. */
async function synced(page: Page, ch: string) {
  await page.waitForFunction((c) => (document.body.getAttribute('data-live-synced') ?? '').split(' ').includes(c), ch);
}

beforeAll(async () => {
  await createUser(e2e.server.db, { handle: 'anna', displayName: 'Anna Lefèvre' });
  await createUser(e2e.server.db, { handle: 'basile', displayName: 'Basile Roux' });
  const anna = await e2e.server.loggedIn('anna');
  const res = await anna.submitMultipart('/@anna/posts', { body: 'Qui vient au jardin samedi ?', visibility: 'members' }, {}, { csrf: await anna.token() });
  postId = Number(/#post-(\d+)/.exec(res.headers.location!)![1]);
});

describe('live comments and notifications', () => {
  it("shows Basile's comment on Anna's open page without a reload, and her unread count rises", async () => {
    const anna = await e2e.newPage({ viewport: DESKTOP });
    const basile = await e2e.newPage({ viewport: DESKTOP });
    await logIn(anna, e2e.server.origin, 'anna');
    await logIn(basile, e2e.server.origin, 'basile');
    await anna.goto(e2e.url(`/posts/${postId}`));
    await basile.goto(e2e.url(`/posts/${postId}`));
    await synced(anna, `post:${postId}`);
    const annaChannel = `user:${(await e2e.server.db.selectFrom('users').select('id').where('handle', '=', 'anna').executeTakeFirstOrThrow()).id}`;
    await synced(anna, annaChannel);
    expect(await anna.locator('.site-nav .badge--count').count()).toBe(0);

    // Anna is typing a comment of her own: the update must not take her focus or move the page.
    await anna.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await anna.getByLabel(/^Votre commentaire/).focus();
    const scrollBefore = await anna.evaluate(() => window.scrollY);

    await commentThroughForm(basile, 'Moi ! J’apporte des semis.');

    const arrived = anna.locator('#comments .comment', { hasText: 'J’apporte des semis' });
    await arrived.waitFor();
    expect(await anna.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await anna.evaluate(() => document.activeElement?.id)).toBe('field-body');
    expect(await anna.evaluate(() => window.scrollY)).toBe(scrollBefore);
    // Her actions on the pushed comment are hers (she may delete a comment under her post).
    expect(await arrived.getByRole('button', { name: 'Supprimer' }).count()).toBe(1);
    await anna.locator('#live-announcer').filter({ hasText: 'Basile Roux' }).waitFor();
    await anna.locator('.site-nav .badge--count', { hasText: '1' }).waitFor();
    await expect(anna.locator('#comments .comment', { hasText: 'J’apporte des semis' }).count()).resolves.toBe(1);

    await checkPage(anna, 'post with a live comment');
    await checkPage(basile, 'post after commenting');
    // The notifications page follows the same channel: a new one is listed without a reload.
    await anna.goto(e2e.url('/notifications'));
    await synced(anna, annaChannel);
    const count = await anna.locator('main .card').count();
    await commentThroughForm(basile, 'Et je prends le pain.');
    await anna.locator('main .card', { hasText: 'a commenté votre publication' }).nth(count).waitFor();
    await checkPage(anna, 'notifications with a live one');
    expectNoPageProblems(anna);
    expectNoPageProblems(basile);
  });

  it('catches up, once, on a comment written while the socket was down', async () => {
    const anna = await e2e.newPage({ viewport: DESKTOP });
    await logIn(anna, e2e.server.origin, 'anna');
    await anna.goto(e2e.url(`/posts/${postId}`));
    await synced(anna, `post:${postId}`);
    const before = await anna.locator('#comments .comment').count();
    // Every socket of the instance drops (as when a proxy restarts); a comment is written meanwhile.
    await anna.evaluate(() => document.body.removeAttribute('data-live-synced'));
    e2e.server.app.live.hub.stop();
    const basile = await e2e.server.loggedIn('basile');
    await basile.submit(`/posts/${postId}/comments`, { body: 'Écrit pendant la coupure.' }, { csrf: await basile.token() });
    e2e.server.app.live.hub.retime();
    // The script reconnects by itself (backoff) and asks for what it missed.
    await anna.locator('#comments .comment', { hasText: 'pendant la coupure' }).waitFor();
    await synced(anna, `post:${postId}`);
    expect(await anna.locator('#comments .comment', { hasText: 'pendant la coupure' }).count()).toBe(1);
    expect(await anna.locator('#comments .comment').count()).toBe(before + 1);
    expect(await anna.evaluate(() => new Set([...document.querySelectorAll('#comments .comment')].map((e) => e.id)).size)).toBe(before + 1);
    expectNoPageProblems(anna);
  });

  it('works by reload with JavaScript turned off', async () => {
    const anna = await e2e.newPage({ viewport: DESKTOP, context: { javaScriptEnabled: false } });
    const basile = await e2e.newPage({ viewport: DESKTOP, context: { javaScriptEnabled: false } });
    await logIn(anna, e2e.server.origin, 'anna');
    await logIn(basile, e2e.server.origin, 'basile');
    await anna.goto(e2e.url(`/posts/${postId}`));
    await basile.goto(e2e.url(`/posts/${postId}`));
    await commentThroughForm(basile, 'Je passerai aussi dimanche.');
    expect(await basile.locator('#comments .comment', { hasText: 'dimanche' }).count()).toBe(1);
    expect(await anna.locator('#comments .comment', { hasText: 'dimanche' }).count()).toBe(0);
    await anna.reload();
    expect(await anna.locator('#comments .comment', { hasText: 'dimanche' }).count()).toBe(1);
    expect(await anna.locator('.site-nav .badge--count').innerText()).toMatch(/^4/);
    await navigate(anna, () => anna.locator('.site-nav').getByRole('link', { name: /^Notifications/ }).click());
    expect(await anna.locator('main').innerText()).toContain('a commenté votre publication');
    // (axe needs scripts; it ran on these pages in the test above.)
    await expectNoHorizontalScroll(anna, 'notifications without JavaScript');
    await expectNoHorizontalScroll(basile, 'post without JavaScript');
    expectNoPageProblems(anna);
  });
});

// Catch-up on page load reaches back a window (server/live/hub.ts): what happened before the page
// was rendered is already on it, and a screen reader must not hear it again at each page load.
describe('live news after a page load', () => {
  const announcer = (page: Page) => page.locator('#live-announcer');
  /** Longer than the announcer's grouping delay (static/js/live.js). */
  const quietWhile = (page: Page) => page.waitForTimeout(1500);
  const userChannel = async (handle: string) => `user:${(await e2e.server.db.selectFrom('users').select('id').where('handle', '=', handle).executeTakeFirstOrThrow()).id}`;

  it('does not announce again a comment and a notification the page already shows, and announces the next ones', async () => {
    const basileC = await e2e.server.loggedIn('basile');
    await basileC.submit(`/posts/${postId}/comments`, { body: 'Juste avant que la page s’ouvre.' }, { csrf: await basileC.token() });
    const anna = await e2e.newPage({ viewport: DESKTOP });
    await logIn(anna, e2e.server.origin, 'anna');
    await anna.goto(e2e.url(`/posts/${postId}`));
    await synced(anna, `post:${postId}`);
    await synced(anna, await userChannel('anna'));
    expect(await anna.locator('#comments .comment', { hasText: 'Juste avant' }).count()).toBe(1);
    const unread = Number(await anna.locator('.site-nav .badge--count').innerText().then((s) => /^\d+/.exec(s)![0]));
    await quietWhile(anna);
    expect(await announcer(anna).textContent()).toBe('');
    expect(await anna.locator('.site-nav .badge--count').innerText()).toMatch(new RegExp(`^${unread}\\b`));

    await basileC.submit(`/posts/${postId}/comments`, { body: 'Et juste après.' }, { csrf: await basileC.token() });
    await anna.locator('#comments .comment', { hasText: 'Et juste après' }).waitFor();
    await anna.locator('.site-nav .badge--count', { hasText: String(unread + 1) }).waitFor();
    await announcer(anna).filter({ hasText: /\S/ }).waitFor();
    expectNoPageProblems(anna);
  });

  it('shows an earlier page of comments the notice of a new one (not inserted), and not for what came before the page', async () => {
    const db = e2e.server.db;
    const annaC = await e2e.server.loggedIn('anna');
    const res = await annaC.submitMultipart('/@anna/posts', { body: 'Une très longue discussion', visibility: 'members' }, {}, { csrf: await annaC.token() });
    const longPost = Number(/#post-(\d+)/.exec(res.headers.location!)![1]);
    const annaId = (await db.selectFrom('users').select('id').where('handle', '=', 'anna').executeTakeFirstOrThrow()).id;
    for (let i = 0; i < 50; i++) await insertComment(db, { postId: longPost, parentId: null, authorId: annaId, body: `Ancien ${i}`, bodyHtml: `<p>Ancien ${i}</p>` });
    const basileC = await e2e.server.loggedIn('basile');
    await basileC.submit(`/posts/${longPost}/comments`, { body: 'Le cinquante et unième.' }, { csrf: await basileC.token() });

    const anna = await e2e.newPage({ viewport: DESKTOP });
    await logIn(anna, e2e.server.origin, 'anna');
    await anna.goto(e2e.url(`/posts/${longPost}`));
    await synced(anna, `post:${longPost}`);
    await synced(anna, await userChannel('anna'));
    const notice = anna.locator('#comments [data-live-more]');
    await quietWhile(anna);
    expect(await notice.isVisible()).toBe(false);
    expect(await announcer(anna).textContent()).toBe('');

    await basileC.submit(`/posts/${longPost}/comments`, { body: 'Le cinquante-deuxième.' }, { csrf: await basileC.token() });
    await notice.waitFor({ state: 'visible' });
    expect(await notice.innerText()).toBe('De nouveaux commentaires sont arrivés : voir la suite.');
    await announcer(anna).filter({ hasText: /\S/ }).waitFor();
    expect(await anna.locator('#comments .comment', { hasText: 'cinquante-deuxième' }).count()).toBe(0);
    expect(await anna.locator('#comments .comment').count()).toBe(50);
    await checkPage(anna, 'post page 1 with the new-comments notice');
    // The notice leads on to the comments that follow.
    await navigate(anna, () => notice.getByRole('link').click());
    expect(await anna.locator('#comments .comment', { hasText: 'cinquante-deuxième' }).count()).toBe(1);
    expectNoPageProblems(anna);
  });

  it("updates the review queue's count with the header's, announcing only what came after the page", async () => {
    await createUser(e2e.server.db, { handle: 'mona', displayName: 'Mona Modère', role: 'moderator' });
    const basileC = await e2e.server.loggedIn('basile');
    const report = async (post: number) => {
      const r = await basileC.submit(`/report/post/${post}`, { reason: 'spam', comment: '' }, { csrf: await basileC.token() });
      expect(r.status).toBe(303);
    };
    await report(postId);
    const mona = await e2e.newPage({ viewport: DESKTOP });
    await logIn(mona, e2e.server.origin, 'mona');
    await mona.goto(e2e.url('/moderation'));
    await synced(mona, 'moderation:1');
    const heading = mona.locator('h1 [data-live-count="moderation-count"]');
    const open = Number(await heading.innerText());
    expect(open).toBeGreaterThanOrEqual(1);
    await quietWhile(mona);
    expect(await announcer(mona).textContent()).toBe('');

    const annaC = await e2e.server.loggedIn('anna');
    const res = await annaC.submitMultipart('/@anna/posts', { body: 'Achetez mes graines miracles', visibility: 'members' }, {}, { csrf: await annaC.token() });
    await report(Number(/#post-(\d+)/.exec(res.headers.location!)![1]));
    await mona.locator('h1 [data-live-count="moderation-count"]', { hasText: String(open + 1) }).waitFor();
    expect(await mona.locator('#moderation-count .badge--count').innerText()).toMatch(new RegExp(`^${open + 1}\\b`));
    await announcer(mona).filter({ hasText: /\S/ }).waitFor();
    expectNoPageProblems(mona);
  });
});
