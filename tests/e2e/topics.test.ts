// The forum in a real browser. Journey: an admin creates a category; Anna opens a topic in it;
// Basile sees it marked new on the category page, opens it (the marker goes), quotes nothing yet
// and replies; Anna sees "new replies" on the category page, follows it to the first unread
// reply (marked unread), and the marker is gone once read; Basile quotes Anna's reply. Run on a
// 360 px phone with axe on every page type, and with JavaScript off (every action is a form).
// Then stored XSS: payloads in every forum field (category name and description, topic title and
// message, reply, lock reason), and every page that shows them checked inert.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createUser } from '../support/factories.ts';
import { DESKTOP, PHONE, checkPage, expectNoHorizontalScroll, expectNoInjection, expectNoPageProblems, logIn, navigate, pathOf, useE2E, watchForInjection } from './support/browser.ts';

const e2e = useE2E();

beforeAll(async () => {
  await createUser(e2e.server.db, { handle: 'ada', displayName: 'Ada Admin', role: 'admin' });
  await createUser(e2e.server.db, { handle: 'modeste', displayName: 'Modeste Modo', role: 'moderator' });
  await createUser(e2e.server.db, { handle: 'anna', displayName: 'Anna Lefèvre' });
  await createUser(e2e.server.db, { handle: 'basile', displayName: 'Basile Roux' });
  await createUser(e2e.server.db, { handle: 'mallory', displayName: 'Mallory' });
});

describe.each([
  { pass: 'phone', viewport: PHONE, javaScript: true, category: 'Coups de main' },
  { pass: 'no JavaScript', viewport: DESKTOP, javaScript: false, category: 'Prêts d’objets' },
])('topics: open, reply, unread markers ($pass)', ({ pass, viewport, javaScript, category }) => {
  const open = () => e2e.newPage({ viewport, context: { javaScriptEnabled: javaScript } });
  const check = async (page: Page, label: string) => {
    if (javaScript) await checkPage(page, `${label} (${pass})`);
    else await expectNoHorizontalScroll(page, `${label} (${pass})`);
  };
  const rowOf = (page: Page, title: string) => page.locator('.topic-row', { hasText: title });
  const title = `Qui peut m’aider à déménager samedi ? (${pass})`;

  it(`an admin creates a category, Anna opens a topic, Basile replies and the unread markers follow (${pass})`, async () => {
    const admin = await open();
    await logIn(admin, e2e.server.origin, 'ada');
    await admin.goto(e2e.url('/admin/categories'));
    await check(admin, 'admin-categories');
    await admin.getByLabel(/^Nom/).fill(category);
    await admin.getByLabel(/^Description/).fill('Demander ou proposer un coup de main.');
    await navigate(admin, () => admin.getByRole('button', { name: 'Créer la catégorie' }).click());
    expect(pathOf(admin)).toBe('/admin/categories');
    expect(await admin.locator('.card-list').textContent()).toContain(category);
    expectNoPageProblems(admin);
    await admin.context().close();

    const anna = await open();
    await logIn(anna, e2e.server.origin, 'anna');
    await navigate(anna, () => anna.locator('.site-nav').getByRole('link', { name: 'Discussions' }).click());
    expect(pathOf(anna)).toBe('/discussions');
    await check(anna, 'discussions');
    await navigate(anna, () => anna.locator('.category-list').getByRole('link', { name: category }).click());
    await check(anna, 'category-empty');
    await navigate(anna, () => anna.getByRole('link', { name: 'Nouveau sujet' }).click());
    await check(anna, 'topic-new');
    await anna.getByLabel(/^Titre/).fill(title);
    await anna.getByLabel(/^Message/).fill('Trois cartons et un canapé, du 2e au 4e étage. **Café offert !** #déménagement');
    await navigate(anna, () => anna.getByRole('button', { name: 'Publier le sujet' }).click());
    expect(pathOf(anna)).toMatch(/^\/t\/\d+$/);
    const topicPath = pathOf(anna);
    expect(await anna.locator('h1').textContent()).toContain(title);
    expect(await anna.locator('#opening strong').textContent()).toBe('Café offert !');
    expect(await anna.getByRole('button', { name: 'Ne plus suivre ce sujet' }).isVisible()).toBe(true);
    await check(anna, 'topic');

    const basile = await open();
    await logIn(basile, e2e.server.origin, 'basile');
    await basile.goto(e2e.url('/discussions'));
    await navigate(basile, () => basile.locator('.category-list').getByRole('link', { name: category }).click());
    expect(await rowOf(basile, title).locator('.badge--new').textContent()).toBe('nouveau');
    await check(basile, 'category-with-new-topic');
    await navigate(basile, () => rowOf(basile, title).getByRole('link', { name: title }).click());
    expect(pathOf(basile)).toBe(topicPath);
    await basile.getByLabel('Votre réponse').fill('Je viens à 10 h avec un diable.');
    await navigate(basile, () => basile.getByRole('button', { name: 'Répondre', exact: true }).click());
    expect(pathOf(basile)).toBe(topicPath);
    const reply = basile.locator('.reply', { hasText: 'Je viens à 10 h avec un diable.' });
    expect(await reply.count()).toBe(1);
    // Your own reply is never "unread" for you.
    expect(await reply.locator('.badge--new').count()).toBe(0);
    await basile.goBack();
    await basile.reload();
    expect(await rowOf(basile, title).locator('.badge').count()).toBe(0);

    // Anna: the category page says there are new replies, and the link leads to the first one.
    await anna.goto(e2e.url(topicPath.replace(/\/t\/\d+/, '/discussions')));
    await navigate(anna, () => anna.locator('.category-list').getByRole('link', { name: category }).click());
    const unread = rowOf(anna, title).getByRole('link', { name: 'nouvelles réponses' });
    expect(await unread.isVisible()).toBe(true);
    await check(anna, 'category-with-unread');
    await navigate(anna, () => unread.click());
    expect(pathOf(anna)).toBe(topicPath);
    const firstUnread = anna.locator('.reply--unread');
    expect(await firstUnread.count()).toBe(1);
    expect(await firstUnread.locator('.badge--new').textContent()).toBe('non lu');
    expect(new URL(anna.url()).hash).toMatch(/^#r-\d+$/);
    await check(anna, 'topic-with-unread');
    await anna.reload();
    expect(await anna.locator('.reply--unread').count()).toBe(0);
    await anna.goto(e2e.url(pathOf(anna).replace(/\/t\/\d+/, '/discussions')));
    expect(await rowOf(anna, title).locator('.badge').count()).toBe(0);

    // Anna quotes Basile's reply: the form comes prefilled, and the quote shows as a blockquote.
    await anna.goto(e2e.url(topicPath));
    await navigate(anna, () => anna.locator('.reply', { hasText: 'diable' }).getByRole('link', { name: 'Citer' }).click());
    expect(await anna.getByLabel('Votre réponse').inputValue()).toMatch(/^\[Basile Roux a écrit\]\(http:\/\/127\.0\.0\.1:\d+\/t\/\d+\/r\/\d+\)\n> Je viens à 10 h avec un diable\.\n\n$/);
    const prefilled = await anna.getByLabel('Votre réponse').inputValue();
    await anna.getByLabel('Votre réponse').fill(`${prefilled}Parfait, merci !`);
    await navigate(anna, () => anna.getByRole('button', { name: 'Répondre', exact: true }).click());
    const quoted = anna.locator('.reply', { hasText: 'Parfait, merci !' });
    expect(await quoted.locator('blockquote').textContent()).toContain('Je viens à 10 h avec un diable.');
    expect(await quoted.getByRole('link', { name: 'Basile Roux a écrit' }).getAttribute('href')).toMatch(/\/t\/\d+\/r\/\d+$/);

    // A moderator locks it: the reason shows and the form is gone.
    const modo = await open();
    await logIn(modo, e2e.server.origin, 'modeste');
    await modo.goto(e2e.url(topicPath));
    await navigate(modo, () => modo.getByRole('link', { name: 'Modérer' }).click());
    await check(modo, 'topic-moderate');
    await modo.getByLabel('Raison du verrouillage').fill('Déménagement fait, merci à tous');
    await navigate(modo, () => modo.getByRole('button', { name: 'Verrouiller' }).click());
    expect(await modo.locator('.notice--locked').textContent()).toContain('Déménagement fait, merci à tous');
    await basile.goto(e2e.url(topicPath));
    expect(await basile.locator('form#reply-form').count()).toBe(0);
    expect(await basile.locator('#reply-form').textContent()).toContain('verrouillé');
    await check(basile, 'topic-locked');
    for (const p of [anna, basile, modo]) expectNoPageProblems(p);
    await Promise.all([anna.context().close(), basile.context().close(), modo.context().close()]);
  });
});

describe('stored XSS in the forum', () => {
  const PAYLOADS = [
    '<script>window.__xss=1</script>',
    '"><img src=x onerror="window.__xss=1">',
    '<svg onload=window.__xss=1>',
    '<a href="javascript:alert(1)">x</a>',
    "{{$on.constructor('alert(1)')()}}",
    '</textarea><script>alert(1)</script>',
    '</title><script>alert(1)</script>',
    '{{7*7}}${7*7}$t(layout.nav.login)',
    '<details open ontoggle=alert(1)>',
    '" autofocus onfocus="alert(1)',
  ];
  const TITLE = PAYLOADS.slice(0, 4).join(' ');
  const BODY = PAYLOADS.join('\n\n');

  it('payloads in category, title, message, reply and lock reason stay inert text on every page', async () => {
    const openAs = async (handle: string | null) => {
      const page = await e2e.newPage({ viewport: PHONE });
      await watchForInjection(page);
      if (handle) await logIn(page, e2e.server.origin, handle);
      return page;
    };
    const [admin, mallory, victim, anonymous] = await Promise.all([openAs('ada'), openAs('mallory'), openAs('basile'), openAs(null)]);
    const inspect = async (page: Page, target: string, label: string) => {
      const res = await page.goto(e2e.url(target));
      expect(res?.status(), label).toBe(200);
      await expectNoInjection(page, label);
      await expectNoHorizontalScroll(page, label);
    };

    await admin.goto(e2e.url('/admin/categories'));
    await admin.getByLabel(/^Nom/).fill(PAYLOADS[1]!.slice(0, 40));
    await admin.getByLabel(/^Description/).fill(PAYLOADS.slice(0, 6).join(' '));
    await navigate(admin, () => admin.getByRole('button', { name: 'Créer la catégorie' }).click());
    expect(pathOf(admin)).toBe('/admin/categories');
    await expectNoInjection(admin, 'admin categories');
    const catId = Number(/\/c\/(\d+)/.exec((await admin.locator('.card-list a').first().getAttribute('href'))!)![1]);

    await mallory.goto(e2e.url(`/c/${catId}/new`));
    await mallory.getByLabel(/^Titre/).fill(TITLE);
    await mallory.getByLabel(/^Message/).fill(`${BODY}\n\n@basile #xss`);
    await navigate(mallory, () => mallory.getByRole('button', { name: 'Publier le sujet' }).click());
    const topicPath = pathOf(mallory);
    expect(topicPath).toMatch(/^\/t\/\d+$/);
    expect(await mallory.locator('h1').textContent()).toContain(PAYLOADS[0]);
    await mallory.getByLabel('Votre réponse').fill(`${[...PAYLOADS].reverse().join('\n\n')}\n\n@basile`);
    await navigate(mallory, () => mallory.getByRole('button', { name: 'Répondre', exact: true }).click());
    await expectNoInjection(mallory, 'topic after reply');
    // A refused reply (a javascript: link) comes back with its text, as inert as the rest.
    await mallory.getByLabel('Votre réponse').fill('[a](javascript:window.__xss=1) </textarea><script>alert(1)</script>');
    await navigate(mallory, () => mallory.getByRole('button', { name: 'Répondre', exact: true }).click());
    expect(await mallory.locator('#field-body-error').textContent()).toMatch(/lien/);
    expect(await mallory.getByLabel('Votre réponse').inputValue()).toContain('</textarea><script>');
    await expectNoInjection(mallory, 'refused reply');
    const replyEdit = await mallory.locator('.reply-list .reply').first().getByRole('link', { name: 'Modifier' }).getAttribute('href');

    await admin.goto(e2e.url(`${topicPath}/moderate`));
    await admin.getByLabel('Raison du verrouillage').fill(PAYLOADS.slice(0, 5).join(' '));
    await navigate(admin, () => admin.getByRole('button', { name: 'Verrouiller' }).click());
    await expectNoInjection(admin, 'locked topic');

    for (const [page, target, label] of [
      [anonymous, topicPath, 'topic signed out'],
      [victim, topicPath, 'topic signed in'],
      [victim, `/c/${catId}`, 'category'],
      [anonymous, '/discussions', 'discussions'],
      [victim, '/discussions?tag=xss', 'discussions by tag'],
      [victim, '/notifications', 'notifications'],
      [admin, `${topicPath}/moderate`, 'moderation page'],
      [admin, `/admin/categories/${catId}/edit`, 'category edit'],
      [admin, '/admin/audit', 'audit log'],
      [mallory, replyEdit!, 'reply edit'],
      [mallory, `${topicPath}/edit`, 'opening post edit'],
    ] as const) {
      await inspect(page, target, label);
    }
    expect(await victim.locator('main').textContent()).toBeTruthy();
    for (const p of [admin, mallory, victim, anonymous]) expectNoPageProblems(p);
  });
});
