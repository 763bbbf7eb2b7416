// Followers and the home feed in a real browser: Dan writes on his wall; a visitor's home page
// lists his public post; Carla signs in to an empty feed that explains what to do and suggests
// Dan; she opens his profile, follows him, and her feed shows his post; Dan writes again and the
// new post comes first; the followers list shows Carla; Carla follows a forum category and Dan's
// new topic there comes first in her feed as a topic card. Run on a 360 px phone with axe on every
// page, and with JavaScript turned off (every action is a plain form).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createUser } from '../support/factories.ts';
import { DESKTOP, PHONE, checkPage, expectNoHorizontalScroll, expectNoPageProblems, logIn, navigate, pathOf, useE2E } from './support/browser.ts';

const dan = { handle: 'dan', displayName: 'Dan Bricoleur' };
const carla = { handle: 'carla', displayName: 'Carla Voisine' };
const FIRST = 'Je prête ma perceuse ce week-end, passez me voir.';
const SECOND = 'Atelier réparation de vélos samedi matin dans la cour.';
const TOPIC = 'Qui m’aide à monter des étagères ?';

describe.each([
  { pass: 'phone', viewport: PHONE, javaScript: true },
  { pass: 'no JavaScript', viewport: DESKTOP, javaScript: false },
])('follow a member and read the feed ($pass)', ({ pass, viewport, javaScript }) => {
  const e2e = useE2E();
  beforeAll(async () => {
    await createUser(e2e.server.db, dan);
    await createUser(e2e.server.db, carla);
  });

  const open = () => e2e.newPage({ viewport, context: { javaScriptEnabled: javaScript } });
  const check = async (page: Page, label: string) => {
    if (javaScript) await checkPage(page, `${label} (${pass})`);
    else await expectNoHorizontalScroll(page, `${label} (${pass})`);
  };
  const write = async (page: Page, body: string, visibility: string) => {
    await page.goto(e2e.url('/@dan'));
    await page.getByLabel('Votre message').fill(body);
    await page.locator('#field-visibility').selectOption(visibility);
    await navigate(page, () => page.getByRole('button', { name: 'Publier' }).click());
    expect(pathOf(page)).toBe('/@dan');
  };

  it('goes from an empty feed to a followed member’s posts and a followed category’s new topic', async () => {
    const d = await open();
    await logIn(d, e2e.server.origin, dan.handle);
    await write(d, FIRST, 'public');

    // A visitor: the instance's recent public posts.
    const visitor = await open();
    await visitor.goto(e2e.url('/'));
    expect(await visitor.locator('main').textContent()).toContain(FIRST);
    await check(visitor, 'home-visitor');

    // Carla: an empty feed that says what to do and suggests Dan.
    const c = await open();
    await logIn(c, e2e.server.origin, carla.handle);
    await expect.poll(() => c.locator('main h2').first().textContent()).toBe('Votre fil est encore vide');
    expect(await c.locator('main').textContent()).not.toContain(FIRST);
    await check(c, 'feed-empty');
    await navigate(c, () => c.locator('main .people').getByRole('link', { name: dan.displayName }).click());
    expect(pathOf(c)).toBe('/@dan');

    // Follow from the profile.
    await navigate(c, () => c.getByRole('button', { name: `Suivre ${dan.displayName}` }).click());
    expect(await c.locator('main .notice[role="status"]').textContent()).toBe('Vous suivez maintenant ce membre.');
    await check(c, 'profile-followed');

    // The feed now shows Dan's post, and his next one first.
    await c.goto(e2e.url('/'));
    expect(await c.locator('main article.post').first().textContent()).toContain(FIRST);
    await write(d, SECOND, 'members');
    await c.goto(e2e.url('/'));
    const posts = c.locator('main article.post');
    expect(await posts.count()).toBe(2);
    expect(await posts.nth(0).textContent()).toContain(SECOND);
    expect(await posts.nth(1).textContent()).toContain(FIRST);
    await check(c, 'feed');

    // Dan's followers list names Carla.
    await d.goto(e2e.url('/@dan/followers'));
    expect(await d.locator('main .people').textContent()).toContain(carla.displayName);
    await check(d, 'followers-list');

    // Carla follows a forum category; Dan's new topic there comes first in her feed, as a card.
    const cat = await e2e.server.db.insertInto('forum_categories').values({ name: `Coups de main (${pass})`, description: 'Demander ou proposer.' }).returning('id').executeTakeFirstOrThrow();
    await c.goto(e2e.url(`/c/${cat.id}`));
    await navigate(c, () => c.getByRole('button', { name: 'Suivre cette catégorie' }).click());
    expect(await c.getByRole('button', { name: 'Ne plus suivre cette catégorie' }).isVisible()).toBe(true);
    await d.goto(e2e.url(`/c/${cat.id}/new`));
    await d.getByLabel(/^Titre/).fill(TOPIC);
    await d.getByLabel(/^Message/).fill('Un coup de main pour monter des étagères au local.');
    await navigate(d, () => d.getByRole('button', { name: 'Publier le sujet' }).click());
    await c.goto(e2e.url('/'));
    const first = c.locator('main article').first();
    expect(await first.getAttribute('class')).toContain('topic-card');
    expect(await first.textContent()).toContain('Un coup de main pour monter des étagères');
    expect(await c.locator('main article.post').count()).toBe(3);
    await check(c, 'feed-with-topic');
    await navigate(c, () => first.getByRole('link', { name: TOPIC }).click());
    expect(pathOf(c)).toMatch(/^\/t\/\d+$/);
    for (const p of [d, c, visitor]) expectNoPageProblems(p);
  });
});
