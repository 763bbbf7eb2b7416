// Moderation in a real browser, on a 360 px phone with axe on every page: David reports Claire's
// comment; Mona (moderator) sees it in the queue, hides it and suspends Claire for 7 days; Claire,
// signing in again, sees the sanction (what, why, until when) and appeals; Mona lifts the
// suspension from the appeal; Ada (admin) finds all of it in the audit log. Mona's header count
// rises as the report arrives and David's open page drops the hidden comment, both without a reload
// (the websocket layer, static/js/live.js).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createUser } from '../support/factories.ts';
import { PHONE, checkPage, expectNoPageProblems, logIn, navigate, pathOf, useE2E } from './support/browser.ts';

const notice = (page: Page) => page.locator('main .notice[role="status"]');

describe('report, hide, suspend, appeal, lift, audit', () => {
  const e2e = useE2E();
  let postId: number;
  let commentId: number;

  beforeAll(async () => {
    const db = e2e.server.db;
    await createUser(db, { handle: 'ada', displayName: 'Ada Admin', role: 'admin' });
    await createUser(db, { handle: 'mona', displayName: 'Mona Modère', role: 'moderator' });
    await createUser(db, { handle: 'claire', displayName: 'Claire Vif' });
    await createUser(db, { handle: 'david', displayName: 'David Veille' });
    // Setting the scene over HTTP: David's post and Claire's hurtful comment under it.
    const david = await e2e.server.loggedIn('david');
    const res = await david.submitMultipart('/@david/posts', { body: 'Qui peut m’aider à déménager samedi ?', visibility: 'public' }, {}, { csrf: await david.token() });
    postId = Number(/#post-(\d+)/.exec(res.headers.location!)![1]);
    const claire = await e2e.server.loggedIn('claire');
    const c = await claire.submit(`/posts/${postId}/comments`, { body: 'Personne ne voudra t’aider, tu es insupportable.' }, { csrf: await claire.token() });
    commentId = Number(/#comment-(\d+)/.exec(c.headers.location!)![1]);
  });

  const open = () => e2e.newPage({ viewport: PHONE });
  let mona: Page;

  it('David reports the comment and sees his report listed; Mona’s header count rises without a reload', async () => {
    mona = await open();
    await logIn(mona, e2e.server.origin, 'mona');
    await mona.goto(e2e.url('/'));
    expect(await mona.locator('#moderation-count .badge--count').count()).toBe(0);
    const page = await open();
    await logIn(page, e2e.server.origin, 'david');
    await page.goto(e2e.url(`/posts/${postId}`));
    await navigate(page, () => page.locator(`#comment-${commentId}`).getByRole('link', { name: /^Signaler/ }).click());
    expect(pathOf(page)).toBe(`/report/comment/${commentId}`);
    await checkPage(page, 'report-form');
    await page.getByLabel('Harcèlement ou haine').check();
    await page.getByLabel(/^Commentaire \(facultatif\)/).fill('Des propos blessants envers moi.');
    await navigate(page, () => page.getByRole('button', { name: 'Envoyer le signalement' }).click());
    expect(pathOf(page)).toBe('/reports');
    expect(await notice(page).textContent()).toContain('votre signalement a été transmis');
    expect(await page.locator('main').textContent()).toContain('En attente d’examen');
    await checkPage(page, 'my-reports');
    expectNoPageProblems(page);
    await mona.locator('#moderation-count .badge--count').waitFor({ timeout: 10_000 });
    expect(await mona.locator('#moderation-count .badge--count').textContent()).toMatch(/^1\b/);
    await checkPage(mona, 'home-live-count');
  });

  it('Mona finds it in the queue, hides the comment (David’s open page drops it) and suspends Claire for 7 days', async () => {
    const david = await open();
    await logIn(david, e2e.server.origin, 'david');
    await david.goto(e2e.url(`/posts/${postId}`));
    expect(await david.locator('main').textContent()).toContain('Personne ne voudra t’aider');
    const page = mona;
    expect(await page.locator('.site-nav').getByRole('link', { name: /^Modération/ }).textContent()).toContain('1');
    await navigate(page, () => page.locator('.site-nav').getByRole('link', { name: /^Modération/ }).click());
    expect(pathOf(page)).toBe('/moderation');
    await checkPage(page, 'queue');
    await navigate(page, () => page.getByRole('link', { name: /Dossier n° \d+ · commentaire/ }).click());
    expect(pathOf(page)).toMatch(/^\/moderation\/cases\/\d+$/);
    expect(await page.locator('main').textContent()).toContain('Personne ne voudra t’aider');
    expect(await page.locator('main').textContent()).toContain('Des propos blessants envers moi.');
    await checkPage(page, 'case');
    await page.getByLabel(/^Motif \(montré à l’auteur·rice\)/).fill('Propos blessants envers un membre');
    await navigate(page, () => page.getByRole('button', { name: 'Masquer', exact: true }).click());
    expect(await notice(page).textContent()).toBe('Action appliquée au contenu.');
    await page.getByLabel('Sanction', { exact: true }).selectOption('suspension');
    await page.getByLabel('Durée').selectOption('7d');
    await page.getByLabel(/^Motif \(montré au membre\)/).fill('Propos blessants répétés.');
    await navigate(page, () => page.getByRole('button', { name: 'Appliquer la sanction' }).click());
    expect(await notice(page).textContent()).toBe('Sanction appliquée.');
    expectNoPageProblems(page);

    // The comment left David's open page by itself, and stays gone after a reload.
    await david.locator(`#comment-${commentId}`).waitFor({ state: 'detached', timeout: 10_000 });
    await david.reload();
    expect(await david.locator('main').textContent()).not.toContain('Personne ne voudra t’aider');
  });

  it('Claire sees her suspension, why and until when, and appeals once', async () => {
    const page = await open();
    await logIn(page, e2e.server.origin, 'claire');
    const main = page.locator('main');
    expect(await main.textContent()).toContain('Suspension');
    expect(await main.textContent()).toContain('Propos blessants répétés.');
    expect(await main.textContent()).toContain('Jusqu’au');
    await checkPage(page, 'sanctioned');
    await page.getByLabel(/^Contester cette décision/).fill('Je reconnais mon erreur et je m’excuse auprès de David.');
    await navigate(page, () => page.getByRole('button', { name: 'Envoyer ma contestation' }).click());
    expect(pathOf(page)).toBe('/account/moderation');
    expect(await notice(page).textContent()).toBe('Votre contestation a été transmise à l’équipe de modération.');
    expect(await page.getByRole('button', { name: 'Envoyer ma contestation' }).count()).toBe(0);
    await checkPage(page, 'appealed');
  });

  it('Mona lifts the suspension from the appeal; Claire can use the site again', async () => {
    const page = await open();
    await logIn(page, e2e.server.origin, 'mona');
    await page.goto(e2e.url('/moderation?origin=appeal'));
    await navigate(page, () => page.getByRole('link', { name: /Dossier n° \d+ · sanction/ }).click());
    expect(await page.locator('main').textContent()).toContain('Je reconnais mon erreur');
    await checkPage(page, 'appeal-case');
    await page.getByLabel(/^Motif de la levée/).fill('Excuses présentées.');
    await navigate(page, () => page.getByRole('button', { name: 'Lever la sanction' }).click());
    expect(await notice(page).textContent()).toBe('Sanction levée.');

    const claire = await open();
    await logIn(claire, e2e.server.origin, 'claire');
    await claire.goto(e2e.url('/'));
    expect(await claire.locator('main').textContent()).not.toContain('Propos blessants répétés.');
    await claire.goto(e2e.url(`/posts/${postId}`));
    expect(await claire.locator('main').textContent()).toContain('Masqué par l’équipe de modération : Propos blessants envers un membre.');
  });

  it('Ada finds every step in the audit log', async () => {
    const page = await open();
    await logIn(page, e2e.server.origin, 'ada');
    await page.goto(e2e.url('/admin/audit?action=moderation.'));
    const table = (await page.locator('table tbody').textContent()) ?? '';
    for (const label of ['Contenu masqué', 'Sanction', 'Contestation reçue', 'Sanction levée']) expect(table).toContain(label);
    expect(table).toContain('@mona');
    expect(table).toContain('@claire');
    await checkPage(page, 'audit-moderation');
    const csv = await page.request.get(e2e.url('/admin/audit.csv?action=moderation.'));
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain('moderation.sanction_lifted');
  });
});
