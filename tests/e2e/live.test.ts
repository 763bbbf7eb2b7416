// Live comments in a real browser: Anna and Basile both look at Anna's post; Basile comments;
// Anna's page shows the comment without reloading, announces it politely, keeps her focus and
// scroll position, and her unread count rises. Then, with JavaScript turned off, the same pages
// still work by reload. axe passes on both.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createUser } from '../support/factories.ts';
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
