// Live replies in a real browser: Clara opened a topic, Damien and Clara both look at it; Damien
// replies; Clara's page shows the reply without reloading (announced politely, her focus and
// scroll kept) and her unread count rises. Clara's home feed shows "1 new post" when someone she
// follows publishes, without inserting it. Then, with JavaScript turned off, the same pages still
// work by reload. axe passes on the pages with JavaScript.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createUser } from '../support/factories.ts';
import { checkPage, DESKTOP, expectNoHorizontalScroll, expectNoPageProblems, logIn, navigate, useE2E } from './support/browser.ts';

const e2e = useE2E();
let topicId: number;
let claraId: number;

async function replyThroughForm(page: Page, text: string) {
  await page.getByLabel(/^Votre réponse/).fill(text);
  await navigate(page, () => page.locator('#reply-form').getByRole('button', { name: 'Répondre' }).click());
}

async function synced(page: Page, ch: string) {
  await page.waitForFunction((c) => (document.body.getAttribute('data-live-synced') ?? '').split(' ').includes(c), ch);
}

beforeAll(async () => {
  claraId = (await createUser(e2e.server.db, { handle: 'clara', displayName: 'Clara Morel' })).id;
  await createUser(e2e.server.db, { handle: 'damien', displayName: 'Damien Petit' });
  await createUser(e2e.server.db, { handle: 'lt_admin', displayName: 'Admin Forum', role: 'admin' });
  const admin = await e2e.server.loggedIn('lt_admin');
  await admin.submit('/admin/categories', { name: 'Entraide', description: 'Coups de main', colour: '#225588', position: '1' }, { csrf: await admin.token() });
  const cat = (await e2e.server.db.selectFrom('forum_categories').select('id').where('name', '=', 'Entraide').executeTakeFirstOrThrow()).id;
  const clara = await e2e.server.loggedIn('clara');
  const res = await clara.submit(`/c/${cat}/topics`, { title: 'Qui a une échelle ?', body: 'Pour cueillir les cerises.' }, { csrf: await clara.token() });
  topicId = Number(/^\/t\/(\d+)$/.exec(res.headers.location!)![1]);
});

describe('live replies in a topic', () => {
  it("shows Damien's reply on Clara's open topic without a reload, and her unread count rises", async () => {
    const clara = await e2e.newPage({ viewport: DESKTOP });
    const damien = await e2e.newPage({ viewport: DESKTOP });
    await logIn(clara, e2e.server.origin, 'clara');
    await logIn(damien, e2e.server.origin, 'damien');
    await clara.goto(e2e.url(`/t/${topicId}`));
    await damien.goto(e2e.url(`/t/${topicId}`));
    await synced(clara, `topic:${topicId}`);
    await synced(clara, `user:${claraId}`);
    expect(await clara.locator('.site-nav .badge--count').count()).toBe(0);

    await clara.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await clara.getByLabel(/^Votre réponse/).focus();
    const scrollBefore = await clara.evaluate(() => window.scrollY);

    await replyThroughForm(damien, 'J’en ai une, je passe ce soir.');

    const arrived = clara.locator('#replies .reply', { hasText: 'je passe ce soir' });
    await arrived.waitFor();
    expect(await clara.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await clara.evaluate(() => document.activeElement?.id)).toBe('field-body');
    expect(await clara.evaluate(() => window.scrollY)).toBe(scrollBefore);
    // Her actions on it are hers: she may like it, not edit it.
    expect(await arrived.getByRole('button', { name: 'J’aime' }).count()).toBe(1);
    expect(await arrived.getByRole('link', { name: 'Modifier' }).count()).toBe(0);
    expect(await clara.locator('#replies [data-live-empty]').count()).toBe(0);
    await clara.locator('#live-announcer').filter({ hasText: 'Damien Petit' }).waitFor();
    await clara.locator('.site-nav .badge--count', { hasText: '1' }).waitFor();
    expect(await clara.locator('#replies .reply', { hasText: 'je passe ce soir' }).count()).toBe(1);

    await checkPage(clara, 'topic with a live reply');
    await checkPage(damien, 'topic after replying');
    expectNoPageProblems(clara);
    expectNoPageProblems(damien);
  });

  it('shows a "new posts" link on the home feed when someone Clara follows publishes, without inserting the post', async () => {
    const clara = await e2e.newPage({ viewport: DESKTOP });
    await logIn(clara, e2e.server.origin, 'clara');
    const claraC = await e2e.server.loggedIn('clara');
    await claraC.submit('/@damien/follow', {}, { from: '/@damien' });
    await clara.goto(e2e.url('/'));
    await synced(clara, `feed:${claraId}`);
    expect(await clara.locator('#feed-new').isVisible()).toBe(false);
    const damien = await e2e.server.loggedIn('damien');
    await damien.submitMultipart('/@damien/posts', { body: 'Cerises à partager devant chez moi.', visibility: 'public' }, {}, { csrf: await damien.token() });
    const banner = clara.locator('#feed-new');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.innerText()).toBe('1 nouvelle publication : afficher');
    expect(await clara.locator('main', { hasText: 'Cerises à partager' }).count()).toBe(0);
    await checkPage(clara, 'home feed with the new posts link');
    await navigate(clara, () => banner.click());
    expect(await clara.locator('main').innerText()).toContain('Cerises à partager');
    expectNoPageProblems(clara);
  });

  it('works by reload with JavaScript turned off', async () => {
    const clara = await e2e.newPage({ viewport: DESKTOP, context: { javaScriptEnabled: false } });
    const damien = await e2e.newPage({ viewport: DESKTOP, context: { javaScriptEnabled: false } });
    await logIn(clara, e2e.server.origin, 'clara');
    await logIn(damien, e2e.server.origin, 'damien');
    await clara.goto(e2e.url(`/t/${topicId}`));
    await damien.goto(e2e.url(`/t/${topicId}`));
    await replyThroughForm(damien, 'Finalement je viens demain.');
    expect(await damien.locator('#replies .reply', { hasText: 'demain' }).count()).toBe(1);
    expect(await clara.locator('#replies .reply', { hasText: 'demain' }).count()).toBe(0);
    await clara.reload();
    expect(await clara.locator('#replies .reply', { hasText: 'demain' }).count()).toBe(1);
    expect(await clara.locator('.site-nav .badge--count').innerText()).toMatch(/^2/);
    await navigate(clara, () => clara.locator('.site-nav').getByRole('link', { name: /^Notifications/ }).click());
    const link = clara.locator('main a[href*="/t/"]').first();
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^/t/${topicId}/r/\\d+`));
    // The home feed without JavaScript: no banner, posts by reload.
    await clara.goto(e2e.url('/'));
    expect(await clara.locator('#feed-new').isVisible()).toBe(false);
    await expectNoHorizontalScroll(clara, 'notifications without JavaScript');
    await expectNoHorizontalScroll(damien, 'topic without JavaScript');
    expectNoPageProblems(clara);
  });
});
