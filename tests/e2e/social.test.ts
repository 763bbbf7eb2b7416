// The social side in a real browser, the way members use it: an admin adds a profile question;
// Anna fills in her profile (bio, skills, links, the answer) and uploads a photo; she posts on her
// wall with a photo, its description, a mention of Basile and a hashtag; Basile (another browser
// context) sees the mention in his notifications, comments, Anna replies, Basile likes the post
// and the reply, then shares the post with a comment; the tag page lists it; both edit what they
// wrote. Run twice: on a 360 px phone with axe on every kind of page (screenshots in
// /tmp/entraide-shots), and with JavaScript turned off, since every action is a plain form.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createUser } from '../support/factories.ts';
import {
  DESKTOP,
  PHONE,
  checkPage,
  expectNoHorizontalScroll,
  expectNoPageProblems,
  logIn,
  navigate,
  pathOf,
  screenshot,
  useE2E,
  writeTestJpeg,
} from './support/browser.ts';

const QUESTION = { fr: 'Un coup de main à proposer', en: 'A helping hand to offer' };
const anna = { handle: 'anna', displayName: 'Anna Lefèvre' };
const basile = { handle: 'basile', displayName: 'Basile Roux' };
const profile = {
  bio: 'Jardinière du quartier.\nJe prête mes outils et je donne des semis au printemps.',
  skills: 'jardinage, réparation de vélos, cuisine',
  linkUrl: 'https://jardins-partages.example.org/',
  linkLabel: 'Les jardins partagés',
  answer: 'Arroser les plantes pendant les vacances',
};
const POST_BODY = 'Bonjour @basile ! Qui veut des semis de tomates ? Ils sont prêts à repiquer. #jardinage';
const PHOTO_ALT = 'Des plants de tomates dans des pots de yaourt, sur un rebord de fenêtre';
const COMMENT = 'Moi ! Je peux passer les chercher samedi.';
const REPLY = 'Avec plaisir @basile, je serai là à partir de 10 h.';
const SHARE_COMMENT = 'Avis aux voisins : semis gratuits chez Anna.';

const notice = (page: Page) => page.locator('main .notice[role="status"]');
/** The header's link to the notifications, whose name carries the unread count. */
const notificationsLink = (page: Page) => page.locator('.site-nav').getByRole('link', { name: /^Notifications/ });

describe.each([
  { pass: 'phone', viewport: PHONE, javaScript: true },
  { pass: 'no JavaScript', viewport: DESKTOP, javaScript: false },
])('profiles, posts, comments, likes and shares ($pass)', ({ pass, viewport, javaScript }) => {
  const e2e = useE2E();
  let photo: string;

  beforeAll(async () => {
    await createUser(e2e.server.db, { handle: 'ada', displayName: 'Ada Admin', role: 'admin' });
    await createUser(e2e.server.db, anna);
    await createUser(e2e.server.db, basile);
    photo = await writeTestJpeg('semis', { width: 1200, height: 900 });
  });
  afterAll(async () => {
    if (photo) await fs.rm(path.dirname(photo), { recursive: true, force: true });
  });

  const open = () => e2e.newPage({ viewport, context: { javaScriptEnabled: javaScript } });
  /** axe and sideways scrolling on the phone pass (with a screenshot); sideways scrolling only without JS. */
  const check = async (page: Page, label: string) => {
    if (javaScript) {
      await checkPage(page, `${label} (${pass})`);
      await screenshot(page, `social-${label.replace(/\W+/g, '-')}-${viewport.width}`);
    } else {
      await expectNoHorizontalScroll(page, `${label} (${pass})`);
    }
  };
  /** An image the page shows really loads (a lazy image may not have been fetched yet). */
  const expectImageServed = async (page: Page, src: string | null) => {
    expect(src).toMatch(/^\/media\/(?!initials\/)/);
    const res = await page.request.get(e2e.url(src!));
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('image/webp');
  };

  let postId: number;
  let commentId: number;
  let replyId: number;

  it(`an admin adds a profile question; Anna fills in her profile and uploads a photo (${pass})`, async () => {
    // The admin's profile questions.
    const admin = await open();
    if (!javaScript) {
      // The pass really runs without scripts.
      await admin.setContent('<title>off</title><script>document.title = "on"</script>');
      expect(await admin.title()).toBe('off');
    }
    await logIn(admin, e2e.server.origin, 'ada');
    await admin.goto(e2e.url('/admin/profile-questions'));
    await check(admin, 'admin-questions-empty');
    await navigate(admin, () => admin.getByRole('link', { name: 'Ajouter une question' }).click());
    expect(pathOf(admin)).toBe('/admin/profile-questions/new');
    await check(admin, 'admin-question-new');
    await admin.getByLabel(/^Question en français/).fill(QUESTION.fr);
    await admin.getByLabel(/^Question en anglais/).fill(QUESTION.en);
    await admin.getByLabel('Texte court').check();
    await navigate(admin, () => admin.getByRole('button', { name: 'Ajouter la question' }).click());
    expect(pathOf(admin)).toBe('/admin/profile-questions');
    expect(await notice(admin).textContent()).toBe('Question ajoutée.');
    expect(await admin.locator('.card__title').first().textContent()).toBe(QUESTION.fr);
    await check(admin, 'admin-questions');
    // The security log records it (a wide table, which scrolls inside its box on a phone).
    await admin.goto(e2e.url('/admin/audit'));
    expect(await admin.locator('table tbody').textContent()).toContain(JSON.stringify(QUESTION.fr));
    await check(admin, 'admin-audit');
    expectNoPageProblems(admin);
    await admin.context().close();

    // Anna, from her profile to its edit page.
    const page = await open();
    await logIn(page, e2e.server.origin, anna.handle);
    await navigate(page, () => page.locator('.site-nav').getByRole('link', { name: 'Mon profil' }).click());
    expect(pathOf(page)).toBe('/@anna');
    expect(await page.locator('.profile__header img.avatar').getAttribute('src')).toMatch(/^\/media\/initials\//);
    await navigate(page, () => page.getByRole('link', { name: 'Modifier mon profil' }).click());
    expect(pathOf(page)).toBe('/settings/profile');
    await check(page, 'profile-edit');

    // The avatar: a real JPEG through the file input.
    await page.getByLabel('Choisir une photo').setInputFiles(photo);
    await navigate(page, () => page.getByRole('button', { name: 'Envoyer la photo' }).click());
    expect(pathOf(page)).toBe('/settings/profile');
    expect(await notice(page).textContent()).toBe('Photo de profil enregistrée.');
    await expectImageServed(page, await page.locator('.profile-edit__avatar img.avatar').getAttribute('src'));
    expect(await page.getByRole('button', { name: 'Retirer la photo' }).isVisible()).toBe(true);

    // Bio, skills, a link and the answer to the admin's question.
    await page.getByLabel('Présentation', { exact: true }).fill(profile.bio);
    await page.getByLabel('Compétences', { exact: true }).fill(profile.skills);
    await page.getByLabel('Adresse du lien 1', { exact: true }).fill(profile.linkUrl);
    await page.getByLabel('Titre du lien 1 (facultatif)', { exact: true }).fill(profile.linkLabel);
    await page.getByLabel(QUESTION.fr).fill(profile.answer);
    await navigate(page, () => page.getByRole('button', { name: 'Enregistrer mon profil' }).click());
    expect(pathOf(page)).toBe('/@anna');
    expect(await notice(page).textContent()).toBe('Profil enregistré.');

    // Everything shows on the profile, the photo too.
    expect(await page.locator('.profile__bio').textContent()).toBe(profile.bio);
    expect(await page.locator('.profile__facts .tags').first().locator('li').allTextContents()).toEqual(['jardinage', 'réparation de vélos', 'cuisine']);
    const link = page.locator('.profile__links a');
    expect(await link.getAttribute('href')).toBe(profile.linkUrl);
    expect(await link.textContent()).toBe(profile.linkLabel);
    expect(await page.locator('.profile__facts dt').last().textContent()).toBe(QUESTION.fr);
    expect(await page.locator('.profile__answer').textContent()).toBe(profile.answer);
    const avatar = page.locator('.profile__header img.avatar');
    expect(await avatar.getAttribute('alt')).toBe(anna.displayName);
    await expectImageServed(page, await avatar.getAttribute('src'));
    expect(await avatar.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await check(page, 'profile');
    expectNoPageProblems(page);
  });

  it(`Anna posts a photo on her wall mentioning Basile; Basile is notified, comments, likes and shares (${pass})`, async () => {
    const a = await open();
    await logIn(a, e2e.server.origin, anna.handle);
    await a.goto(e2e.url('/@anna'));

    // The composer on her own wall: text with a mention and a hashtag, one photo with its description.
    await a.getByLabel('Votre message').fill(POST_BODY);
    await a.locator('.composer__photos summary').click();
    await a.getByLabel('Photo 1', { exact: true }).setInputFiles(photo);
    await a.getByLabel(/^Description de la photo .* Photo 1$/).fill(PHOTO_ALT);
    await navigate(a, () => a.getByRole('button', { name: 'Publier' }).click());
    expect(pathOf(a)).toBe('/@anna');
    expect(await notice(a).textContent()).toBe('Publication publiée.');
    postId = Number(/#post-(\d+)$/.exec(a.url())?.[1]);
    expect(postId).toBeGreaterThan(0);
    const post = a.locator(`#post-${postId}`);
    expect(await post.locator('.post__body').textContent()).toContain('Qui veut des semis de tomates ?');
    expect(await post.locator('.post__body a.mention').getAttribute('href')).toBe('/@basile');
    expect(await post.locator('.post__body a.hashtag').getAttribute('href')).toBe('/tags/jardinage');
    const img = post.locator('.post__photos img');
    expect(await img.getAttribute('alt')).toBe(PHOTO_ALT);
    await expectImageServed(a, await img.getAttribute('src'));
    await check(a, 'wall-with-post');

    // Basile, in his own browser: the unread badge in the header, then the mention.
    const b = await open();
    await logIn(b, e2e.server.origin, basile.handle);
    expect(await notificationsLink(b).textContent()).toMatch(/^Notifications\s+1\s+non lues$/);
    expect(await b.locator('.site-nav .badge--count').isVisible()).toBe(true);
    await navigate(b, () => notificationsLink(b).click());
    expect(pathOf(b)).toBe('/notifications');
    const item = b.locator('.card-list li').first();
    expect(await item.textContent()).toMatch(/nouveau\s+Anna Lefèvre vous a mentionné·e dans une publication\./);
    await check(b, 'notifications');
    await navigate(b, () => item.getByRole('link', { name: 'Voir' }).click());
    expect(pathOf(b)).toBe(`/posts/${postId}`);
    expect(await b.locator(`#post-${postId} .post__body`).textContent()).toContain('Qui veut des semis');
    await check(b, 'post');

    // He comments.
    await b.getByLabel('Votre commentaire').fill(COMMENT);
    await navigate(b, () => b.getByRole('button', { name: 'Commenter' }).click());
    commentId = Number(/#comment-(\d+)$/.exec(b.url())?.[1]);
    expect(commentId).toBeGreaterThan(0);
    expect(await b.locator(`#comment-${commentId} .comment__body`).textContent()).toBe(`${COMMENT}\n`);

    // Anna replies to the comment, mentioning him.
    await a.goto(e2e.url(`/posts/${postId}`));
    await navigate(a, () => a.locator(`#comment-${commentId} > .comment__actions`).getByRole('link', { name: 'Répondre' }).click());
    expect(new URL(a.url()).searchParams.get('reply')).toBe(String(commentId));
    expect(await a.locator('#comment-form .info').textContent()).toContain('Vous répondez à un commentaire.');
    await a.getByLabel('Votre commentaire').fill(REPLY);
    await navigate(a, () => a.getByRole('button', { name: 'Commenter' }).click());
    replyId = Number(/#comment-(\d+)$/.exec(a.url())?.[1]);
    expect(replyId).toBeGreaterThan(commentId);
    const reply = a.locator(`#comment-${commentId} .comment-list--replies #comment-${replyId}`);
    expect(await reply.locator('.comment__body').textContent()).toContain('je serai là à partir de 10 h.');
    expect(await reply.locator('.comment__body a.mention').getAttribute('href')).toBe('/@basile');
    await check(a, 'post-with-comments');

    // Basile sees a second unread notification, then likes the post and Anna's reply.
    await b.goto(e2e.url(`/posts/${postId}`));
    expect(await notificationsLink(b).textContent()).toMatch(/^Notifications\s+2\s+non lues$/);
    const postActions = b.locator(`#post-${postId} .post__actions`);
    await navigate(b, () => postActions.getByRole('button', { name: 'J’aime' }).click());
    expect(pathOf(b)).toBe(`/posts/${postId}`);
    expect(await postActions.getByRole('button', { name: 'Je n’aime plus' }).getAttribute('aria-pressed')).toBe('true');
    expect(await postActions.getByRole('link', { name: '1 j’aime' }).isVisible()).toBe(true);
    const replyActions = b.locator(`#comment-${replyId} > .comment__actions`);
    await navigate(b, () => replyActions.getByRole('button', { name: 'J’aime' }).click());
    expect(pathOf(b)).toBe(`/posts/${postId}`);
    expect(await replyActions.getByRole('button', { name: 'Je n’aime plus' }).getAttribute('aria-pressed')).toBe('true');
    expect(await replyActions.getByRole('link', { name: '1 j’aime' }).isVisible()).toBe(true);
    // The comment he did not like keeps its button.
    expect(await b.locator(`#comment-${commentId} > .comment__actions`).getByRole('button', { name: 'J’aime' }).getAttribute('aria-pressed')).toBe('false');

    // The lists of who likes the post and the reply.
    await navigate(b, () => postActions.getByRole('link', { name: '1 j’aime' }).click());
    expect(pathOf(b)).toBe(`/posts/${postId}/likes`);
    expect(await b.locator('.people-list li').allTextContents()).toEqual([expect.stringContaining('Basile Roux')]);
    await check(b, 'likes');
    await b.goto(e2e.url(`/comments/${replyId}/likes`));
    expect(await b.locator('.people-list li').allTextContents()).toEqual([expect.stringContaining('Basile Roux')]);

    // He shares the post on his wall with a comment.
    await b.goto(e2e.url(`/posts/${postId}`));
    await navigate(b, () => b.locator(`#post-${postId} .post__actions`).getByRole('link', { name: 'Partager' }).click());
    expect(pathOf(b)).toBe(`/posts/${postId}/share`);
    expect(await b.locator('.post--quoted .post__body').textContent()).toContain('Qui veut des semis');
    await check(b, 'share');
    await b.getByLabel('Votre commentaire (facultatif)').fill(SHARE_COMMENT);
    await navigate(b, () => b.locator('main form').getByRole('button', { name: 'Partager' }).click());
    expect(pathOf(b)).toBe('/@basile');
    expect(await notice(b).textContent()).toBe('Publication partagée sur votre mur.');
    const shareId = Number(/#post-(\d+)$/.exec(b.url())?.[1]);
    const share = b.locator(`#post-${shareId}`);
    expect(await share.locator(':scope > header .post__title').textContent()).toMatch(/Basile Roux\s+a partagé/);
    expect(await share.locator(':scope > .post__body').textContent()).toContain(SHARE_COMMENT);
    expect(await share.locator('.post__shared .post__title').textContent()).toBe(anna.displayName);
    expect(await share.locator('.post__shared .post__body').textContent()).toContain('Qui veut des semis');
    expect(await share.locator('.post__shared .post__photos img').getAttribute('alt')).toBe(PHOTO_ALT);
    await check(b, 'wall-with-share');

    // The original counts one share.
    await b.goto(e2e.url(`/posts/${postId}`));
    expect(await b.locator(`#post-${postId} .post__actions`).textContent()).toContain('1 partage');

    // The hashtag leads to the tag page, which lists the post.
    await navigate(b, () => b.locator(`#post-${postId} .post__body a.hashtag`).click());
    expect(pathOf(b)).toBe('/tags/jardinage');
    expect(await b.getByRole('heading', { level: 1 }).textContent()).toBe('#jardinage');
    expect(await b.locator(`#post-${postId}`).count()).toBe(1);
    await check(b, 'tag');

    // Two unread notifications; "mark all as read" empties the badge.
    await navigate(b, () => notificationsLink(b).click());
    expect(await b.locator('.card-list li').allTextContents()).toEqual([
      expect.stringMatching(/nouveau\s+Anna Lefèvre vous a mentionné·e dans un commentaire\./),
      expect.stringMatching(/nouveau\s+Anna Lefèvre vous a mentionné·e dans une publication\./),
    ]);
    await navigate(b, () => b.getByRole('button', { name: 'Tout marquer comme lu' }).click());
    expect(pathOf(b)).toBe('/notifications');
    expect(await b.locator('.site-nav .badge--count').count()).toBe(0);
    expect(await notificationsLink(b).textContent()).toBe('Notifications');
    expect(await b.locator('.card--unread').count()).toBe(0);

    expectNoPageProblems(a);
    expectNoPageProblems(b);
  });

  it(`Anna edits her post and her reply (${pass})`, async () => {
    const page = await open();
    await logIn(page, e2e.server.origin, anna.handle);
    await page.goto(e2e.url(`/posts/${postId}`));

    await navigate(page, () => page.locator(`#post-${postId} .post__actions`).getByRole('link', { name: 'Modifier' }).click());
    expect(pathOf(page)).toBe(`/posts/${postId}/edit`);
    expect(await page.getByLabel('Votre message').inputValue()).toBe(POST_BODY);
    await check(page, 'post-edit');
    await page.getByLabel('Votre message').fill(`${POST_BODY}\nIl en reste une vingtaine.`);
    await navigate(page, () => page.getByRole('button', { name: 'Enregistrer' }).click());
    expect(pathOf(page)).toBe(`/posts/${postId}`);
    expect(await notice(page).textContent()).toBe('Publication modifiée.');
    expect(await page.locator(`#post-${postId} .post__body`).textContent()).toContain('Il en reste une vingtaine.');
    expect(await page.locator(`#post-${postId} .post__sub`).textContent()).toContain('modifié');

    await navigate(page, () => page.locator(`#post-${postId} .post__actions`).getByRole('link', { name: 'Versions précédentes' }).click());
    expect(pathOf(page)).toBe(`/posts/${postId}/revisions`);
    expect(await page.locator('.revision').textContent()).toBe(POST_BODY);
    await check(page, 'revisions');

    await page.goto(e2e.url(`/posts/${postId}`));
    await navigate(page, () => page.locator(`#comment-${replyId} > .comment__actions`).getByRole('link', { name: 'Modifier' }).click());
    expect(pathOf(page)).toBe(`/comments/${replyId}/edit`);
    expect(await page.getByLabel('Votre commentaire').inputValue()).toBe(REPLY);
    await check(page, 'comment-edit');
    await page.getByLabel('Votre commentaire').fill('Avec plaisir @basile, je serai là à partir de 11 h finalement.');
    await navigate(page, () => page.getByRole('button', { name: 'Enregistrer' }).click());
    expect(pathOf(page)).toBe(`/posts/${postId}`);
    expect(new URL(page.url()).hash).toBe(`#comment-${replyId}`);
    expect(await page.locator(`#comment-${replyId} .comment__body`).textContent()).toContain('à partir de 11 h finalement.');
    expect(await page.locator(`#comment-${replyId} .comment__meta`).textContent()).toContain('modifié');
    expectNoPageProblems(page);
  });
});
