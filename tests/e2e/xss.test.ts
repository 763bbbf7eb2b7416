// Stored XSS, in a real browser: classic payloads are written into every text field a member (or
// an admin) controls, then every page that shows them is opened and checked: no script ran
// (window.__xss unset, no dialog), nothing reached the Content Security Policy (no violation
// event, no console message about it), the DOM and the serialised HTML hold no element or
// attribute that could run script (see expectNoInjection in support/browser.ts), and the payload
// is there as plain text. CSP blocking an inline script would not be enough: the markup must not
// contain one in the first place. Where a field refuses a payload (a javascript: or data: link),
// the refusal must come with a message, and the form shown again must be as inert as the rest.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createUser } from '../support/factories.ts';
import {
  PHONE,
  expectNoHorizontalScroll,
  expectNoInjection,
  expectNoPageProblems,
  injectedMarkup,
  logIn,
  navigate,
  pathOf,
  screenshot,
  useE2E,
  watchForInjection,
  writeTestJpeg,
} from './support/browser.ts';

/**
 * The payloads, each at most 40 characters so that it fits every field (pronouns and tags are the
 * shortest, at 40). `link`: the Markdown renderer refuses it (a link with a forbidden scheme).
 */
const PAYLOADS: readonly { text: string; link?: true }[] = [
  { text: '<script>window.__xss=1</script>' },
  { text: '"><img src=x onerror="window.__xss=1">' },
  { text: '<svg onload=window.__xss=1>' },
  { text: 'javascript:window.__xss=1' },
  { text: '[a](javascript:window.__xss=1)', link: true },
  { text: '<a href="javascript:alert(1)">x</a>' },
  { text: "{{$on.constructor('alert(1)')()}}" },
  { text: '\'\';!--"<XSS>=&{()}' },
  { text: '<iframe src=javascript:window.__xss=1>' },
  { text: '<javascript:alert(1)>', link: true },
  { text: '[d](data:text/html,%3Cscript%3Ealert(1))', link: true },
  { text: '<details open ontoggle=alert(1)>' },
  { text: '" autofocus onfocus="alert(1)' },
  { text: "' autofocus onfocus='alert(1)" },
  { text: '</textarea><script>alert(1)</script>' },
  { text: '</title><script>alert(1)</script>' },
  // Template and translation injection: shown as typed, never evaluated (nor "49", nor "Se connecter").
  { text: '{{7*7}}${7*7}$t(layout.nav.login)' },
];
const TEXTS = PAYLOADS.map((p) => p.text);
/** The payloads as the brief writes them, too long for the short fields: for the long ones. */
const LONG_PAYLOADS = [
  "{{constructor.constructor('window.__xss=1')()}}",
  '<a href="javascript:window.__xss=1">x</a>',
  '<img src=x onerror=alert(1)><style>*{display:none}</style>',
  '[x]: javascript:alert(1)\n\n[y][x]',
];
/** Links the Markdown renderer must refuse, with a message, in posts, comments and shares. */
const BAD_MARKDOWN_LINKS = [
  ...PAYLOADS.filter((p) => p.link).map((p) => p.text),
  '[x](JaVaScRiPt:alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](vbscript:alert(1))',
  '![i](javascript:alert(1))',
  '<data:text/html;base64,PHNjcmlwdD4=>',
];
/** Addresses a profile link must refuse (besides every payload above). */
const BAD_URLS = [
  'javascript:window.__xss=1',
  'JaVaScRiPt:alert(1)',
  '  javascript:alert(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'vbscript:msgbox(1)',
  '//evil.example/x',
  'https://user:secret@evil.example/',
];
/** Addresses a profile link accepts although they carry payload characters: shown encoded. */
const TRICKY_URLS = ['https://exemple.fr/?q="><svg/onload=alert(1)>', 'exemple.fr/"onmouseover="alert(1)'];

const payload = (n: number) => TEXTS[((n % TEXTS.length) + TEXTS.length) % TEXTS.length]!;
/** How a tags field splits a payload (on commas). */
const tagsOf = (text: string) => text.split(',').map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
/** Markdown may turn *…* into emphasis: compare rendered text without its markers. */
const plain = (text: string) => text.replace(/[*_]/g, '').replace(/\s+/g, ' ').trim();
/** Payloads joined into chunks of at most `max` characters. */
function chunks(texts: readonly string[], max: number, separator = ' '): string[] {
  const out: string[] = [];
  for (const t of texts) {
    const last = out.at(-1);
    if (last !== undefined && last.length + separator.length + t.length <= max) out[out.length - 1] = `${last}${separator}${t}`;
    else out.push(t);
  }
  return out;
}

const ACCEPTED = PAYLOADS.filter((p) => !p.link).map((p) => p.text);
const POST_BODY = [...ACCEPTED, ...LONG_PAYLOADS, 'Salut @victor, voir #xss'].join('\n\n');
const COMMENT_BODY = [...ACCEPTED.slice().reverse(), 'Merci @mallory'].join('\n\n');
const SHARE_BODY = [...LONG_PAYLOADS, ...ACCEPTED].join('\n');
const ALTS = chunks(TEXTS, 300);

const e2e = useE2E();
const message = {
  badLink: /^Ce lien n’est pas autorisé \(.+\)\s*: seuls les liens http, https et mailto le sont\.$/,
  badUrl: /^Cette adresse n’est pas valide/,
};

describe('the injection checks themselves', () => {
  it('catch script that ran, dialogs, handlers and javascript: links, and let escaped text through', async () => {
    const page = await e2e.newPage({ viewport: PHONE });
    await watchForInjection(page);
    await page.setContent(
      '<!doctype html><html lang="fr"><head><title>t</title></head><body><main>' +
        '<p>&lt;script&gt;window.__xss=1&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; &lt;a href="javascript:x"&gt;</p>' +
        '<input value="&quot;><img src=x onerror=alert(1)>"></main></body></html>',
    );
    await expectNoInjection(page, 'escaped payloads');

    await page.setContent(
      '<!doctype html><html lang="fr"><head><title>t</title></head><body><main>' +
        '<img src="/nope.png" onerror="window.__xss=1"><a href=" JaVa&#x09;Script:alert(1)">x</a>' +
        '<script>alert("xss")</script><svg><circle /></svg></main></body></html>',
    );
    await page.waitForFunction(() => window.__xss === 1);
    const error = await expectNoInjection(page, 'bad page').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/window\.__xss is 1/);
    expect(error?.message).toMatch(/dialog opened: alert: xss/);
    expect(error?.message).toMatch(/onerror attribute in the DOM/);
    expect(error?.message).toMatch(/href=" JaVa\tScript:alert\(1\)" in the DOM/);
    expect(error?.message).toMatch(/<script> in the DOM/);
    expect(error?.message).toMatch(/<svg> in the DOM/);
    expect(error?.message).toMatch(/page\.content\(\): onerror= on <img>/);

    expect(injectedMarkup('<p>&lt;img src=x onerror=alert(1)&gt;</p><input value="&quot;&gt;&lt;script&gt;">')).toEqual([]);
    expect(injectedMarkup('<a href="&#106;avascript:alert(1)">x</a>')).toEqual(['href="&#106;avascript:alert(1)" on <a>']);
    expect(injectedMarkup("<div title='x' onclick='y'>")).toEqual([`onclick= on <div>: <div title='x' onclick='y'>`]);
  });
});

describe('stored XSS', () => {
  let admin: Page;
  let mallory: Page;
  let victor: Page;
  /** Victor again, in a second session, to look at two pages at once */
  let victorTab: Page;
  let anonymous: Page;
  let photo: string;
  let postId: number;
  let commentId: number;
  let questionId: number;

  beforeAll(async () => {
    expect(TEXTS.every((t) => [...t].length <= 40)).toBe(true);
    expect(POST_BODY.length).toBeLessThanOrEqual(5000);
    expect(COMMENT_BODY.length).toBeLessThanOrEqual(2000);
    expect(ALTS.length).toBeLessThanOrEqual(4);
    await createUser(e2e.server.db, { handle: 'ada', displayName: 'Ada Admin', role: 'admin' });
    await createUser(e2e.server.db, { handle: 'mallory', displayName: 'Mallory' });
    await createUser(e2e.server.db, { handle: 'victor', displayName: 'Victor' });
    photo = await writeTestJpeg('photo', { width: 320, height: 240 });
    const open = async () => {
      const page = await e2e.newPage({ viewport: PHONE });
      await watchForInjection(page);
      return page;
    };
    [admin, mallory, victor, victorTab, anonymous] = await Promise.all([open(), open(), open(), open(), open()]);
    await Promise.all([
      logIn(admin, e2e.server.origin, 'ada'),
      logIn(mallory, e2e.server.origin, 'mallory'),
      logIn(victor, e2e.server.origin, 'victor'),
      logIn(victorTab, e2e.server.origin, 'victor'),
    ]);
  });
  afterAll(async () => {
    if (photo) await fs.rm(path.dirname(photo), { recursive: true, force: true });
  });

  /** Opens a page (or checks the one just reached by a form) and checks it is inert and fits. */
  async function inspect(page: Page, target: string | null, label: string, expectedStatus = 200): Promise<void> {
    if (target !== null) {
      const res = await page.goto(e2e.url(target));
      expect(res?.status(), `${label}: status of ${target}`).toBe(expectedStatus);
    }
    await expectNoInjection(page, label);
    await expectNoHorizontalScroll(page, label);
  }
  const text = (page: Page, selector: string) => page.locator(selector).first().textContent();
  const fieldError = (page: Page, name: string) => page.locator(`#field-${name}-error`).textContent();

  /**
   * Submits a Markdown field with refused links, one at a time: each is refused with a message
   * naming it, the text is kept, and the form shown again (the same form) is as inert as the rest.
   */
  async function expectLinksRefused(page: Page, form: string, open: string, submit: string, label: string, links: readonly string[]) {
    await page.goto(e2e.url(open));
    for (const link of links) {
      const body = `Regardez ${link} !`;
      await page.locator(`${form} textarea[name="body"]`).fill(body);
      await navigate(page, () => page.locator(form).getByRole('button', { name: submit }).click());
      await inspect(page, null, `${label} refusing ${link}`);
      expect(await fieldError(page, 'body'), `${label}: ${link}`).toMatch(message.badLink);
      expect(await page.locator(`${form} textarea[name="body"]`).inputValue()).toBe(body);
      expect(await page.locator('.form-error[role="alert"]').count()).toBeGreaterThan(0);
    }
  }
  /** Every refused link in the composer; in the other forms, two each, in turn. */
  const someLinks = (n: number) => [BAD_MARKDOWN_LINKS[(2 * n) % BAD_MARKDOWN_LINKS.length]!, BAD_MARKDOWN_LINKS[(2 * n + 1) % BAD_MARKDOWN_LINKS.length]!];

  it('posts, photo descriptions, comments, replies and shares keep payloads as text; forbidden links are refused', async () => {
    // Forbidden links in the wall composer: refused, the page shown again with the message.
    await expectLinksRefused(mallory, 'form.composer', '/@mallory', 'Publier', 'wall composer', BAD_MARKDOWN_LINKS);

    // A public post with every other payload, two photos whose descriptions are payloads too.
    await mallory.goto(e2e.url('/@mallory'));
    await mallory.getByLabel('Votre message').fill(POST_BODY);
    await mallory.locator('#field-visibility').selectOption('public');
    await mallory.locator('.composer__photos summary').click();
    for (const [i, alt] of ALTS.entries()) {
      await mallory.locator(`#field-photo${i + 1}`).setInputFiles(photo);
      await mallory.locator(`#field-alt${i + 1}`).fill(alt);
    }
    await navigate(mallory, () => mallory.getByRole('button', { name: 'Publier' }).click());
    expect(pathOf(mallory)).toBe('/@mallory');
    postId = Number(/#post-(\d+)$/.exec(mallory.url())?.[1]);
    expect(postId).toBeGreaterThan(0);
    await inspect(mallory, null, 'wall after posting');
    const body = await text(mallory, `#post-${postId} .post__body`);
    for (const t of [...ACCEPTED, ...LONG_PAYLOADS]) expect(plain(body ?? '')).toContain(plain(t));
    expect(await mallory.locator(`#post-${postId} .post__photos img`).evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt')))).toEqual(ALTS);
    await screenshot(mallory, 'xss-wall-360');

    // Victor comments (forbidden links first), Mallory replies, Victor likes both and shares.
    await expectLinksRefused(victor, '#comment-form', `/posts/${postId}`, 'Commenter', 'comment form', someLinks(0));
    await victor.goto(e2e.url(`/posts/${postId}`));
    await victor.getByLabel('Votre commentaire').fill(COMMENT_BODY);
    await navigate(victor, () => victor.getByRole('button', { name: 'Commenter' }).click());
    commentId = Number(/#comment-(\d+)$/.exec(victor.url())?.[1]);
    expect(commentId).toBeGreaterThan(0);
    await inspect(victor, null, 'post after commenting');
    const comment = await text(victor, `#comment-${commentId} .comment__body`);
    for (const t of ACCEPTED) expect(plain(comment ?? '')).toContain(plain(t));

    await mallory.goto(e2e.url(`/posts/${postId}?reply=${commentId}`));
    await mallory.getByLabel('Votre commentaire').fill(TEXTS.filter((_, i) => !PAYLOADS[i]!.link).join('\n'));
    await navigate(mallory, () => mallory.getByRole('button', { name: 'Commenter' }).click());
    const replyId = Number(/#comment-(\d+)$/.exec(mallory.url())?.[1]);
    await inspect(mallory, null, 'post after replying');
    expect(await mallory.locator(`#comment-${commentId} #comment-${replyId}`).count()).toBe(1);

    await victor.goto(e2e.url(`/posts/${postId}`));
    await navigate(victor, () => victor.locator(`#post-${postId} .post__actions`).getByRole('button', { name: 'J’aime' }).click());
    await navigate(victor, () => victor.locator(`#comment-${replyId} > .comment__actions`).getByRole('button', { name: 'J’aime' }).click());
    // Mallory likes Victor's comment, so that her name shows in a list of likers.
    await mallory.goto(e2e.url(`/posts/${postId}`));
    await navigate(mallory, () => mallory.locator(`#comment-${commentId} > .comment__actions`).getByRole('button', { name: 'J’aime' }).click());

    await expectLinksRefused(victor, 'main form:has(textarea[name="body"])', `/posts/${postId}/share`, 'Partager', 'share form', someLinks(1));
    await victor.goto(e2e.url(`/posts/${postId}/share`));
    await victor.getByLabel('Votre commentaire (facultatif)').fill(SHARE_BODY);
    await victor.locator('#field-visibility').selectOption('public');
    await navigate(victor, () => victor.locator('main form').getByRole('button', { name: 'Partager' }).click());
    expect(pathOf(victor)).toBe('/@victor');
    const shareId = Number(/#post-(\d+)$/.exec(victor.url())?.[1]);
    await inspect(victor, null, 'wall after sharing');
    const shareBody = await text(victor, `#post-${shareId} > .post__body`);
    for (const t of [...ACCEPTED, ...LONG_PAYLOADS]) expect(plain(shareBody ?? '')).toContain(plain(t));

    // Editing: forbidden links refused again; the earlier version shows on the revisions page.
    await expectLinksRefused(mallory, 'main form', `/posts/${postId}/edit`, 'Enregistrer', 'post edit', someLinks(2));
    await mallory.goto(e2e.url(`/posts/${postId}/edit`));
    await mallory.getByLabel('Votre message').fill(`${POST_BODY}\n\n${TEXTS[0]}`);
    await navigate(mallory, () => mallory.getByRole('button', { name: 'Enregistrer' }).click());
    expect(pathOf(mallory)).toBe(`/posts/${postId}`);
    await inspect(mallory, `/posts/${postId}/revisions`, 'revisions');
    expect(await text(mallory, '.revision')).toBe(POST_BODY);

    await expectLinksRefused(victor, 'main form', `/comments/${commentId}/edit`, 'Enregistrer', 'comment edit', someLinks(3));
    await victor.goto(e2e.url(`/comments/${commentId}/edit`));
    await victor.getByLabel('Votre commentaire').fill(`${COMMENT_BODY}\n\n${TEXTS[1]}`);
    await navigate(victor, () => victor.getByRole('button', { name: 'Enregistrer' }).click());
    expect(pathOf(victor)).toBe(`/posts/${postId}`);

    // Every page that shows them, as each person sees it.
    await inspect(mallory, `/posts/${postId}/edit`, 'post edit form');
    expect(await mallory.getByLabel('Votre message').inputValue()).toBe(`${POST_BODY}\n\n${TEXTS[0]}`);
    await inspect(victor, `/comments/${commentId}/edit`, 'comment edit form');
    expect(await victor.getByLabel('Votre commentaire').inputValue()).toBe(`${COMMENT_BODY}\n\n${TEXTS[1]}`);
    for (const [page, who] of [[victor, 'victor'], [anonymous, 'anonymous']] as const) {
      await inspect(page, `/posts/${postId}`, `permalink (${who})`);
      expect(plain((await text(page, `#post-${postId} .post__body`)) ?? '')).toContain(plain(TEXTS[0]!));
      await inspect(page, '/tags/xss', `tag page (${who})`);
      expect(await page.locator(`#post-${postId}`).count()).toBe(1);
      await inspect(page, `/posts/${postId}/likes`, `likes (${who})`);
      await inspect(page, '/@victor', `sharer's wall (${who})`);
      expect(await page.locator(`#post-${shareId} .post__shared .post__photos img`).evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt')))).toEqual(ALTS);
    }
    await inspect(victor, `/posts/${postId}/share`, 'share page');
    await inspect(victor, '/notifications', 'notifications');
    // The mention, and (since the notifications of issue 5) Mallory's reply to his comment and her like of it.
    expect(await victor.locator('.card-list li').count()).toBe(3);
    await screenshot(victor, 'xss-notifications-360');
    for (const page of [admin, mallory, victor, anonymous]) expectNoPageProblems(page);
  });

  it('profile fields, question labels and answers and the instance settings: every payload in every field, inert on every page', async () => {
    // A text question, as admin; its labels take payloads in every round below.
    await admin.goto(e2e.url('/admin/profile-questions/new'));
    await admin.getByLabel(/^Question en français/).fill('Question');
    await admin.getByLabel(/^Question en anglais/).fill('Question');
    await admin.getByLabel('Texte court').check();
    await navigate(admin, () => admin.getByRole('button', { name: 'Ajouter la question' }).click());
    const edit = await admin.locator('.card a[href^="/admin/profile-questions/"]').first().getAttribute('href');
    questionId = Number(/\/(\d+)$/.exec(edit ?? '')?.[1]);
    expect(questionId).toBeGreaterThan(0);

    // One round per payload: each field gets payload (round + its offset), so that after all
    // rounds every field has held every payload.
    for (let round = 0; round < TEXTS.length; round++) {
      const v = {
        labelFr: payload(round),
        labelEn: payload(round + 1),
        instanceName: payload(round + 2),
        description: `${payload(round + 3)}\n${payload(round + 4)}`,
        displayName: payload(round + 5),
        bio: `${payload(round + 6)}\n${payload(round + 7)}`,
        pronouns: payload(round + 8),
        location: `${payload(round + 9)} ${payload(round + 10)}`,
        skills: payload(round + 11),
        interests: payload(round + 12),
        languages: payload(round + 13),
        linkLabel: payload(round + 14),
        answer: payload(round + 15),
        badLink: payload(round + 16),
        badUrl: BAD_URLS[round % BAD_URLS.length]!,
      };
      const tag = `round ${round}`;

      // First, in parallel: the admin sets the question's labels and the instance's name and
      // description; Mallory fills in her profile, with refused addresses (the form comes back
      // with everything typed), then saves it.
      const adminWrites = async () => {
        await inspect(admin, `/admin/profile-questions/${questionId}`, `question form (${tag})`);
        await admin.getByLabel(/^Question en français/).fill(v.labelFr);
        await admin.getByLabel(/^Question en anglais/).fill(v.labelEn);
        await navigate(admin, () => admin.getByRole('button', { name: 'Enregistrer' }).click());
        expect(pathOf(admin)).toBe('/admin/profile-questions');
        await inspect(admin, null, `question list (${tag})`);
        expect(await text(admin, '.card__title')).toBe(v.labelFr);
        expect(await text(admin, '.card .card__meta[lang]')).toBe(v.labelEn);

        await inspect(admin, '/admin/settings', `settings form (${tag})`);
        await admin.getByLabel(/^Nom de l’instance/).fill(v.instanceName);
        await admin.locator('#field-description').fill(v.description);
        await navigate(admin, () => admin.locator('main').getByRole('button', { name: 'Enregistrer' }).click());
        expect(pathOf(admin)).toBe('/admin/settings');
        await inspect(admin, null, `settings saved (${tag})`);
        expect(await admin.locator('#field-name').inputValue()).toBe(v.instanceName);
        expect(await admin.locator('#field-description').inputValue()).toBe(v.description);
        expect(await text(admin, '.site-name')).toBe(v.instanceName);
      };
      const malloryWrites = async () => {
        await inspect(mallory, '/settings/profile', `profile form (${tag})`);
        const typed: Record<string, string> = {
          displayName: v.displayName,
          bio: v.bio,
          pronouns: v.pronouns,
          location: v.location,
          skills: v.skills,
          interests: v.interests,
          languages: v.languages,
          linkUrl1: v.badLink,
          linkLabel1: v.linkLabel,
          linkUrl2: TRICKY_URLS[0]!,
          linkUrl3: v.badUrl,
          linkUrl4: TRICKY_URLS[1]!,
          [`q_${questionId}`]: v.answer,
        };
        for (const [field, value] of Object.entries(typed)) await mallory.locator(`#field-${field}`).fill(value);
        await navigate(mallory, () => mallory.getByRole('button', { name: 'Enregistrer mon profil' }).click());
        await inspect(mallory, null, `profile form refused (${tag})`);
        expect(await fieldError(mallory, 'linkUrl1')).toMatch(message.badUrl);
        expect(await fieldError(mallory, 'linkUrl3')).toMatch(message.badUrl);
        expect(await mallory.locator('.form-error[role="alert"]').count()).toBe(1);
        for (const [field, value] of Object.entries(typed)) {
          // An url input drops the spaces around its value.
          const shown = mallory.locator(`#field-${field}`);
          expect(await shown.inputValue(), `${field} kept (${tag})`).toBe((await shown.getAttribute('type')) === 'url' ? value.trim() : value);
        }
        await mallory.locator('#field-linkUrl1').fill('https://exemple.fr/profil');
        await mallory.locator('#field-linkUrl3').fill('');
        await navigate(mallory, () => mallory.getByRole('button', { name: 'Enregistrer mon profil' }).click());
        expect(pathOf(mallory), `profile saved (${tag})`).toBe('/@mallory');
      };
      await Promise.all([adminWrites(), malloryWrites()]);

      // Then, in parallel, every page that shows them.
      const profileAsSeenBy = async (page: Page, who: string) => {
        await inspect(page, '/@mallory', `profile (${who}, ${tag})`);
        expect(await page.title()).toBe(`${v.displayName} (@mallory) · ${v.instanceName}`);
        expect(await text(page, '#profile-name')).toBe(v.displayName);
        expect(await page.locator('.profile__header img.avatar').getAttribute('alt')).toBe(v.displayName);
        expect(await text(page, '.profile__pronouns')).toBe(v.pronouns);
        expect(await text(page, '.profile__location')).toBe(`Quartier ou ville ${v.location}`);
        expect(await text(page, '.profile__bio')).toBe(v.bio);
        const tags = page.locator('.profile__facts .tags');
        expect(await tags.nth(0).locator('li').allTextContents()).toEqual(tagsOf(v.skills));
        expect(await tags.nth(1).locator('li').allTextContents()).toEqual(tagsOf(v.interests));
        expect(await tags.nth(2).locator('li').allTextContents()).toEqual(tagsOf(v.languages));
        const links = page.locator('.profile__links a');
        expect(await links.evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent]))).toEqual([
          ['https://exemple.fr/profil', v.linkLabel],
          ['https://exemple.fr/?q=%22%3E%3Csvg/onload=alert(1)%3E', 'exemple.fr/?q=%22%3E%3Csvg/onload=alert(1)%3E'],
          ['https://exemple.fr/%22onmouseover=%22alert(1)', 'exemple.fr/%22onmouseover=%22alert(1)'],
        ]);
        expect(await page.locator('.profile__facts dt').last().textContent()).toBe(v.labelFr);
        expect(await text(page, '.profile__answer')).toBe(v.answer);
        expect(await text(page, '.site-name')).toBe(v.instanceName);
      };
      const malloryReads = async () => {
        await profileAsSeenBy(mallory, 'mallory');
        await inspect(mallory, '/', `home (mallory, ${tag})`);
        expect(await mallory.getByText(`Bonjour ${v.displayName}\u00a0!`).count()).toBe(1);
        await inspect(mallory, '/settings/profile', `profile form saved (${tag})`);
        expect(await mallory.locator('#field-displayName').inputValue()).toBe(v.displayName);
        expect(await mallory.locator(`#field-q_${questionId}`).inputValue()).toBe(v.answer);
        expect(await mallory.locator(`label[for="field-q_${questionId}"]`).textContent()).toBe(v.labelFr);
      };
      // Her name on everything she wrote or did, as Victor sees it (in two tabs).
      const victorReads = async () => {
        await profileAsSeenBy(victor, 'victor');
        await inspect(victor, `/posts/${postId}`, `permalink (${tag})`);
        expect(await text(victor, `#post-${postId} .post__title a`)).toBe(v.displayName);
        expect(await victor.title()).toBe(`Publication de ${v.displayName} · ${v.instanceName}`);
        await inspect(victor, '/tags/xss', `tag page (${tag})`);
        expect(await text(victor, `#post-${postId} .post__title a`)).toBe(v.displayName);
        await inspect(victor, `/comments/${commentId}/likes`, `comment likes (${tag})`);
        expect(await text(victor, '.people-list li a')).toBe(v.displayName);
      };
      const victorReadsMore = async () => {
        await inspect(victorTab, '/notifications', `notifications (${tag})`);
        expect(await text(victorTab, '.card-list li a')).toBe(v.displayName);
        await inspect(victorTab, `/posts/${postId}/share`, `share page (${tag})`);
        expect(await text(victorTab, '.post--quoted .post__title a')).toBe(v.displayName);
        await inspect(victorTab, '/@victor', `sharer's wall (${tag})`);
        expect(await text(victorTab, '.post__shared .post__title a')).toBe(v.displayName);
        // Signed in, the home page is the feed (the posts' authors are checked on the other pages).
        await inspect(victorTab, '/', `home (victor, ${tag})`);
        expect(await text(victorTab, '.site-footer')).toContain(`${v.instanceName} · propulsé par Entraide`);
      };
      // The sign-up form asks the question; the audit log quotes labels and settings.
      const anonymousReads = async () => {
        await inspect(anonymous, '/signup', `signup (${tag})`);
        expect(await anonymous.locator(`label[for="field-q_${questionId}"]`).textContent()).toBe(v.labelFr);
        expect(await text(anonymous, '.site-name')).toBe(v.instanceName);
        // Visitors' home: the instance's name and description.
        await inspect(anonymous, '/', `home (visitor, ${tag})`);
        expect(await text(anonymous, 'main h1')).toBe(v.instanceName);
        expect(await text(anonymous, '.hero__lead')).toBe(v.description);
      };
      const adminReads = async () => {
        await inspect(admin, '/admin/audit', `audit (${tag})`);
        const audit = (await text(admin, 'table.table tbody')) ?? '';
        expect(audit).toContain(JSON.stringify(v.labelFr));
        expect(audit).toContain(JSON.stringify(v.instanceName));
      };
      await Promise.all([malloryReads(), victorReads(), victorReadsMore(), anonymousReads(), adminReads()]);
      if (round === 0) await Promise.all([screenshot(victor, 'xss-comment-likes-360'), screenshot(victorTab, 'xss-home-360'), screenshot(admin, 'xss-audit-360'), screenshot(mallory, 'xss-profile-form-360')]);
    }
    for (const page of [admin, mallory, victor, victorTab, anonymous]) expectNoPageProblems(page);
  }, 300_000); // one round per payload, about 110 s on a quiet two-core machine
});
