// The first visit to a new instance, in a real browser: home, a sign-up that goes wrong then right
// (the first account, which administers the instance), log out, log in, and the language switch.
// Every page is checked with axe and for sideways scrolling, once on a small phone and once on a
// desktop; screenshots of each step go to /tmp/entraide-shots (see support/browser.ts).
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, STRONG_PASSWORD, checkPage, expectNoPageProblems, screenshot, useE2E } from './support/browser.ts';

const person = { displayName: 'Camille Martin', handle: 'camille', email: 'camille@example.org' };

const htmlLang = (page: Page) => page.locator('html').getAttribute('lang');
const path = (page: Page) => new URL(page.url()).pathname;
const notice = (page: Page) => page.locator('main .notice[role="status"]');
/** The input labelled exactly so (the label may end with the required-field asterisk). */
const field = (page: Page, label: string) => page.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\*?$`));

/** Clicks something that submits a form or follows a link, and waits for the next page. */
async function navigate(page: Page, action: () => Promise<void>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), action()]);
}

describe.each([
  { pass: 'phone', viewport: PHONE },
  { pass: 'desktop', viewport: DESKTOP },
])('first visit to a new instance ($viewport.width px)', ({ pass, viewport }) => {
  const e2e = useE2E();

  it(`signs up the first account, logs out and in, and switches language (${pass})`, async () => {
    const page = await e2e.newPage({ viewport });
    const shot = (name: string) => screenshot(page, `${name}-${viewport.width}`);

    // Home, in French: the browser asks for German, which the instance does not offer.
    const home = await page.goto(e2e.url('/'));
    expect(home?.status()).toBe(200);
    expect(await htmlLang(page)).toBe('fr');
    // The first Tab reaches the skip link, which then shows.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('#main');
    expect(await page.locator('.skip-link').boundingBox().then((box) => box && box.x >= 0)).toBe(true);
    expect(await page.getByRole('link', { name: 'Rejoindre le réseau' }).isVisible()).toBe(true);
    await checkPage(page, `home (${pass})`);
    await shot('home');

    // Sign-up page, reached through the home page's call to action.
    await navigate(page, () => page.getByRole('link', { name: 'Rejoindre le réseau' }).click());
    expect(path(page)).toBe('/signup');
    expect(await page.locator('.info').textContent()).toContain('premier compte');
    await checkPage(page, `signup (${pass})`);

    // A password that is too short: the form comes back with the message next to the field and
    // what was typed (but never the passwords).
    await field(page, 'Nom affiché').fill(person.displayName);
    await field(page, 'Identifiant').fill(person.handle);
    await field(page, 'Adresse e-mail').fill(person.email);
    await field(page, 'Mot de passe').fill('court');
    await field(page, 'Mot de passe (encore une fois)').fill('court');
    await navigate(page, () => page.getByRole('button', { name: 'Créer mon compte' }).click());

    expect(path(page)).toBe('/signup');
    const passwordField = page.locator('.field').filter({ has: page.locator('#field-password') });
    const passwordError = passwordField.locator('.field__error');
    expect(await passwordError.isVisible()).toBe(true);
    expect(await passwordError.textContent()).toMatch(/Au moins \d+ caractères/);
    const passwordInput = page.locator('#field-password');
    expect(await passwordInput.getAttribute('aria-invalid')).toBe('true');
    expect(await passwordInput.getAttribute('aria-describedby')).toContain('field-password-error');
    // "next to" on screen too: the message sits between the label and the input.
    const [errorBox, inputBox] = await Promise.all([passwordError.boundingBox(), passwordInput.boundingBox()]);
    expect(errorBox && inputBox && inputBox.y - (errorBox.y + errorBox.height)).toBeGreaterThanOrEqual(0);
    expect(errorBox && inputBox && inputBox.y - (errorBox.y + errorBox.height)).toBeLessThan(40);
    expect(await page.getByRole('alert').isVisible()).toBe(true);
    expect(await page.locator('#field-handle').inputValue()).toBe(person.handle);
    expect(await page.locator('#field-email').inputValue()).toBe(person.email);
    expect(await page.locator('#field-displayName').inputValue()).toBe(person.displayName);
    expect(await passwordInput.inputValue()).toBe('');
    expect(await page.locator('#field-passwordConfirm').inputValue()).toBe('');
    await checkPage(page, `signup with errors (${pass})`);
    await shot('signup-errors');

    // The same form, now right: the first account is created, signed in and welcomed.
    await passwordInput.fill(STRONG_PASSWORD);
    await page.locator('#field-passwordConfirm').fill(STRONG_PASSWORD);
    await navigate(page, () => page.getByRole('button', { name: 'Créer mon compte' }).click());
    expect(path(page)).toBe('/');
    expect(await notice(page).textContent()).toBe('Bienvenue\u00a0! Votre compte est créé.');
    expect(await page.getByText(`Bonjour ${person.displayName}\u00a0!`).isVisible()).toBe(true);
    await checkPage(page, `home after signup (${pass})`);
    await shot('home-welcome');

    // The account page: the first account administers the instance.
    await navigate(page, () => page.locator('.site-nav').getByRole('link', { name: /Mon compte/ }).click());
    expect(path(page)).toBe('/account');
    expect(await page.locator('main').textContent()).toContain(`@${person.handle}`);
    expect(await page.locator('main strong').textContent()).toMatch(/admin/i);
    await checkPage(page, `account (${pass})`);
    await shot('account');

    // Log out, from the header.
    await navigate(page, () => page.getByRole('button', { name: 'Se déconnecter' }).click());
    expect(path(page)).toBe('/');
    expect(await notice(page).textContent()).toBe('Vous êtes déconnecté·e.');
    expect(await page.getByRole('button', { name: 'Se déconnecter' }).count()).toBe(0);
    await checkPage(page, `home after logout (${pass})`);

    // Log in again, with the handle.
    await navigate(page, () => page.locator('.site-nav').getByRole('link', { name: 'Se connecter' }).click());
    expect(path(page)).toBe('/login');
    await checkPage(page, `login (${pass})`);
    await shot('login');
    await field(page, 'Identifiant ou adresse e-mail').fill(person.handle);
    await field(page, 'Mot de passe').fill(STRONG_PASSWORD);
    await navigate(page, () => page.locator('main').getByRole('button', { name: 'Se connecter' }).click());
    expect(path(page)).toBe('/');
    expect(await notice(page).textContent()).toBe('Vous êtes connecté·e.');
    expect(await page.getByText(`Bonjour ${person.displayName}\u00a0!`).isVisible()).toBe(true);

    // Switch to English with the header's language switch: same page, now in English.
    const english = page.locator('.lang-switch').getByRole('button', { name: 'English' });
    expect(await english.getAttribute('lang')).toBe('en');
    await navigate(page, () => english.click());
    expect(path(page)).toBe('/');
    expect(await htmlLang(page)).toBe('en');
    expect(await page.getByText(`Hello ${person.displayName}!`).isVisible()).toBe(true);
    expect(await page.locator('.site-nav').getByRole('link', { name: /My account/ }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Log out' }).isVisible()).toBe(true);
    expect(await page.locator('body').textContent()).not.toContain('Se déconnecter');
    await checkPage(page, `home in English (${pass})`);
    await shot('home-en');

    // The choice sticks across pages.
    await navigate(page, () => page.locator('.site-nav').getByRole('link', { name: /My account/ }).click());
    expect(await htmlLang(page)).toBe('en');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('My account');
    await checkPage(page, `account in English (${pass})`);

    // And back to French, staying on the same page.
    await navigate(page, () => page.locator('.lang-switch').getByRole('button', { name: 'Français' }).click());
    expect(path(page)).toBe('/account');
    expect(await htmlLang(page)).toBe('fr');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Mon compte');
    await checkPage(page, `account back in French (${pass})`);

    expectNoPageProblems(page);
  });
});

describe('language of a first visit', () => {
  const e2e = useE2E();

  it("follows the browser's language when the instance offers it", async () => {
    const page = await e2e.newPage({ viewport: PHONE, locale: 'en-GB' });
    await page.goto(e2e.url('/login'));
    expect(await htmlLang(page)).toBe('en');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Log in');
    await checkPage(page, 'login in English');
    expectNoPageProblems(page);
  });
});
