// Comments under a post: keyset pages (oldest first), one level of replies, editing and deleting
// (by the comment's author, or the post's author), counters, refused input shown next to the
// field, and mentions that notify only people who may read the post.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Handlebars from 'handlebars';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { translator } from '../../server/i18n/index.ts';
import type { User } from '../../server/db/schema.ts';
import { idFrom } from '../support/social.ts';

const fr = translator('fr');
const msg = (key: string, params?: Record<string, unknown>) => Handlebars.escapeExpression(fr(key, params));

let t: TestApp;
let author: User;
let follower: User;
let fan2: User;
let stranger: User;
let authorC: Client;
let followerC: Client;
let fan2C: Client;
let strangerC: Client;

const submit = async (c: Client, path: string, fields: Record<string, string> = {}) => c.submit(path, fields, { csrf: await c.token() });

async function newPost(body: string, visibility = 'public'): Promise<number> {
  return idFrom(await authorC.submitMultipart('/@cm_author/posts', { body, visibility }, {}, { csrf: await authorC.token() }), 'post');
}
async function comment(c: Client, postId: number, body: string, parentId?: number): Promise<number> {
  return idFrom(await submit(c, `/posts/${postId}/comments`, { body, ...(parentId ? { parentId: String(parentId) } : {}) }), 'comment');
}
const postRow = (id: number) => t.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const commentRow = (id: number) => t.db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
const commentsOf = async (postId: number) => t.db.selectFrom('comments').select(['id', 'parent_id', 'body']).where('post_id', '=', postId).orderBy('id').execute();
/** The text of a form field as the browser would submit it back. */
const unescapeHtml = (html: string) =>
  html.replace(/&(amp|lt|gt|quot|#x27|#x60|#x3D);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#x27': "'", '#x60': '`', '#x3D': '=' })[e]!);
/** Comment ids in the order the page shows them (replies right after their parent). */
const idsOnPage = (html: string) => [...html.matchAll(/<li class="comment" id="comment-(\d+)"/g)].map((m) => Number(m[1]));

beforeAll(async () => {
  t = await createTestApp();
  author = await createUser(t.db, { handle: 'cm_author', displayName: 'Autrice Commentée' });
  follower = await createUser(t.db, { handle: 'cm_follower', displayName: 'Abonnée Une' });
  fan2 = await createUser(t.db, { handle: 'cm_fan2', displayName: 'Abonné Deux' });
  stranger = await createUser(t.db, { handle: 'cm_stranger', displayName: 'Personne Étrangère' });
  await createUser(t.db, { handle: 'cm_pending', status: 'pending' });
  await t.db
    .insertInto('follows')
    .values([
      { follower_id: follower.id, followee_id: author.id },
      { follower_id: fan2.id, followee_id: author.id },
    ])
    .execute();
  authorC = await t.loggedIn('cm_author');
  followerC = await t.loggedIn('cm_follower');
  fan2C = await t.loggedIn('cm_fan2');
  strangerC = await t.loggedIn('cm_stranger');
});
afterAll(async () => t.close());

/** Opens the post page and follows its "more comments" links to the end. */
async function readAllPages(c: Client, postId: number): Promise<{ pages: number[][]; html: string[] }> {
  const pages: number[][] = [];
  const html: string[] = [];
  let path: string | undefined = `/posts/${postId}`;
  while (path) {
    expect(pages.length).toBeLessThan(10);
    const res = await c.get(path);
    expect(res.status).toBe(200);
    html.push(res.text);
    pages.push(idsOnPage(res.text));
    const next = new RegExp(`href="(/posts/${postId}\\?after=[^"#]+)#comments"`).exec(res.text);
    path = next?.[1];
  }
  return { pages, html };
}

describe('pages of comments', () => {
  it('shows 120 comments oldest first in pages of 50 through the ?after= links, each exactly once, replies under their parent', async () => {
    const postId = await newPost('Qui vient au repas de quartier ?');
    const writers = [authorC, followerC, fan2C, strangerC];
    const ids: number[] = [];
    for (let i = 0; i < 120; i++) ids.push(await comment(writers[i % writers.length]!, postId, `commentaire n°${i} fin`));
    // Two replies to the 71st comment, which is on the second page.
    const parent = ids[70]!;
    const r1 = await comment(followerC, postId, 'réponse une', parent);
    const r2 = await comment(strangerC, postId, 'réponse deux', parent);

    const { pages, html } = await readAllPages(t.client(), postId);
    expect(pages.map((p) => p.length)).toEqual([50, 52, 20]);
    const shown = pages.flat();
    expect(shown).toEqual([...ids.slice(0, 71), r1, r2, ...ids.slice(71)]);
    expect(new Set(shown).size).toBe(shown.length);
    // Oldest first, by what they say too.
    const order = [...html.join('').matchAll(/commentaire n°(\d+) fin/g)].map((m) => Number(m[1]));
    expect(order).toEqual(Array.from({ length: 120 }, (_, i) => i));
    // The replies are nested under their parent, only on its page.
    const nested = new RegExp(`id="comment-${parent}"[\\s\\S]*?<ol class="comment-list comment-list--replies">([\\s\\S]*?)</ol>`).exec(html[1]!);
    expect(idsOnPage(nested![1]!)).toEqual([r1, r2]);
    expect(html[0]).not.toContain('réponse une');
    expect(html[2]).not.toContain('réponse une');
    // The last page offers no further link; the count covers replies.
    expect(html[2]).not.toContain('?after=');
    expect((await postRow(postId)).comment_count).toBe(122);
    expect(html[0]).toContain(fr('posts.comments.count', { count: 122 }));
  });

  it('pages through comments written in the same millisecond without skipping or repeating any', async () => {
    const postId = await newPost('Tout le monde répond en même temps');
    const at = new Date();
    const inserted = await t.db
      .insertInto('comments')
      .values(Array.from({ length: 120 }, (_, i) => ({ post_id: postId, parent_id: null, author_id: stranger.id, body: `simultané ${i}`, body_html: `<p>simultané ${i}</p>`, created_at: at })))
      .returning('id')
      .execute();
    const { pages } = await readAllPages(t.client(), postId);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    expect(pages.flat()).toEqual(inserted.map((r) => Number(r.id)).sort((a, b) => a - b));
  });
});

describe('replies', () => {
  it('attaches a reply to a reply to the top-level comment, so the page shows one level of replies', async () => {
    const postId = await newPost('Une question');
    const top = await comment(followerC, postId, 'Premier avis');
    const reply = await comment(strangerC, postId, 'Réponse au premier', top);
    const replyToReply = await comment(authorC, postId, 'Réponse à la réponse', reply);
    expect((await commentRow(reply))!.parent_id).toBe(top);
    expect((await commentRow(replyToReply))!.parent_id).toBe(top);

    const page = await fan2C.get(`/posts/${postId}`);
    expect(idsOnPage(page.text)).toEqual([top, reply, replyToReply]);
    // One list of replies, under the top comment; none under a reply.
    expect(page.text.match(/comment-list--replies/g)).toHaveLength(1);
    const nested = new RegExp(`id="comment-${top}"[\\s\\S]*?<ol class="comment-list comment-list--replies">([\\s\\S]*?)</ol>`).exec(page.text);
    expect(idsOnPage(nested![1]!)).toEqual([reply, replyToReply]);
    // "Reply" under a reply answers the top comment.
    expect(page.text).toContain(`href="/posts/${postId}?reply=${top}#comment-form"`);
    expect(page.text).not.toContain(`?reply=${reply}#`);
    expect((await postRow(postId)).comment_count).toBe(3);
  });

  it('answers 404 to a reply whose parent belongs to another post, writing nothing', async () => {
    const postA = await newPost('Post A');
    const postB = await newPost('Post B');
    const onA = await comment(followerC, postA, 'Sur A');
    const res = await submit(strangerC, `/posts/${postB}/comments`, { body: 'égaré', parentId: String(onA) });
    expect(res.status).toBe(404);
    expect(await commentsOf(postB)).toEqual([]);
    expect((await postRow(postB)).comment_count).toBe(0);
  });
});

describe('editing and deleting', () => {
  it('lets a member edit their own comment, which then shows as edited', async () => {
    const postId = await newPost('À corriger');
    const id = await comment(followerC, postId, 'Avec une fote');
    const form = await followerC.get(`/comments/${id}/edit`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Avec une fote');
    const res = await submit(followerC, `/comments/${id}/edit`, { body: 'Avec une faute **corrigée**' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/posts/${postId}#comment-${id}`);
    const row = (await commentRow(id))!;
    expect(row.body).toBe('Avec une faute **corrigée**');
    expect(row.edited_at).not.toBeNull();
    const page = await t.client().get(`/posts/${postId}`);
    const li = new RegExp(`<li class="comment" id="comment-${id}">[\\s\\S]*?</li>`).exec(page.text)![0];
    expect(li).toContain('<strong>corrigée</strong>');
    expect(li).toContain(msg('posts.edited'));
    expect(page.text).not.toContain('fote');
  });

  it('keeps a multi-line comment exactly as written when its edit form is saved unchanged', async () => {
    const postId = await newPost('Mise en forme');
    const body = 'À apporter :\n- du pain\n- des fruits\n\n> On se retrouve à midi\n> devant la salle';
    const id = await comment(followerC, postId, body);
    const before = (await commentRow(id))!;
    const form = await followerC.get(`/comments/${id}/edit`);
    const shown = unescapeHtml(/<textarea id="field-body"[^>]*>([\s\S]*?)<\/textarea>/.exec(form.text)![1]!);
    expect(shown).toBe(body);
    expect((await submit(followerC, `/comments/${id}/edit`, { body: shown })).status).toBe(303);
    const after = (await commentRow(id))!;
    expect(after.body).toBe(body);
    expect(after.body_html).toBe(before.body_html);
  });

  it('refuses an edit that empties the comment or adds a javascript: link, keeping the text and the comment', async () => {
    const postId = await newPost('Édition refusée');
    const id = await comment(followerC, postId, 'Texte d’origine');
    for (const [body, message] of [
      ['   ', msg('posts.errors.emptyComment')],
      ['[clic](javascript:alert(1))', msg('posts.errors.badLink', { link: 'javascript:alert(1)' })],
      ['y'.repeat(2001), msg('validation.tooLong', { max: 2000 })],
    ] as const) {
      const res = await submit(followerC, `/comments/${id}/edit`, { body });
      expect(res.status).toBe(422);
      expect(res.text).toContain(`<p class="field__error" id="field-body-error">${message}</p>`);
      expect(/<textarea id="field-body"[^>]*>([\s\S]*?)<\/textarea>/.exec(res.text)![1]).toBe(Handlebars.escapeExpression(body));
      const row = (await commentRow(id))!;
      expect(row.body).toBe('Texte d’origine');
      expect(row.edited_at).toBeNull();
    }
  });

  it('lets a member delete their own comment, lowering the count', async () => {
    const postId = await newPost('Suppression');
    const keep = await comment(fan2C, postId, 'Je reste');
    const id = await comment(followerC, postId, 'Je pars');
    const res = await submit(followerC, `/comments/${id}/delete`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/posts/${postId}?notice=commentDeleted`);
    expect(await commentRow(id)).toBeUndefined();
    expect((await postRow(postId)).comment_count).toBe(1);
    expect(idsOnPage((await t.client().get(`/posts/${postId}`)).text)).toEqual([keep]);
  });

  it('lets the post’s author remove a comment someone else wrote under it', async () => {
    const postId = await newPost('Mon post, mes règles');
    const id = await comment(strangerC, postId, 'Hors sujet');
    const page = await authorC.get(`/posts/${postId}`);
    expect(page.text).toContain(`action="/comments/${id}/delete"`);
    const res = await submit(authorC, `/comments/${id}/delete`);
    expect(res.status).toBe(303);
    expect(await commentRow(id)).toBeUndefined();
    expect((await postRow(postId)).comment_count).toBe(0);
  });

  it('keeps the counters right when a reply, then a comment with replies and likes, are deleted', async () => {
    const postId = await newPost('Compter juste');
    const top = await comment(followerC, postId, 'Parent');
    const [r1, r2, r3] = [await comment(strangerC, postId, 'r1', top), await comment(fan2C, postId, 'r2', top), await comment(authorC, postId, 'r3', top)];
    const other = await comment(fan2C, postId, 'Autre fil');
    await submit(authorC, `/comments/${r1}/like`);
    await submit(authorC, `/comments/${top}/like`);
    await submit(strangerC, `/comments/${other}/like`);
    expect((await postRow(postId)).comment_count).toBe(5);

    expect((await submit(fan2C, `/comments/${r2}/delete`)).status).toBe(303);
    expect((await postRow(postId)).comment_count).toBe(4);
    expect((await commentRow(top))!.like_count).toBe(1);

    expect((await submit(followerC, `/comments/${top}/delete`)).status).toBe(303);
    const post = await postRow(postId);
    expect(post.comment_count).toBe(1);
    expect((await commentsOf(postId)).map((c) => Number(c.id))).toEqual([other]);
    for (const gone of [top, r1, r3]) expect(await commentRow(gone)).toBeUndefined();
    const likes = await t.db.selectFrom('comment_likes').select('comment_id').where('comment_id', 'in', [top, r1, r2, r3, other]).execute();
    expect(likes.map((l) => Number(l.comment_id))).toEqual([other]);
    expect((await commentRow(other))!.like_count).toBe(1);
    const page = await t.client().get(`/posts/${postId}`);
    expect(page.text).toContain(fr('posts.comments.count', { count: 1 }));
    expect(idsOnPage(page.text)).toEqual([other]);
  });
});

describe('refused comments', () => {
  const BAD = [
    { what: 'an empty comment', body: '', message: () => msg('posts.errors.emptyComment') },
    { what: 'a comment of blanks only', body: '  \t ', message: () => msg('posts.errors.emptyComment') },
    { what: 'a comment over 2000 characters', body: `${'z'.repeat(2000)}!`, message: () => msg('validation.tooLong', { max: 2000 }) },
    { what: 'a comment with a javascript: link', body: 'Voir [ici](javascript:alert(1))', message: () => msg('posts.errors.badLink', { link: 'javascript:alert(1)' }) },
    {
      what: 'a comment of several lines with a javascript: link',
      body: 'Deux choses :\n- la liste\n- [le lien](javascript:void(0))\n\n> et une citation',
      message: () => msg('posts.errors.badLink', { link: 'javascript:void(0)' }),
    },
  ];

  for (const { what, body, message } of BAD) {
    it(`re-renders the post page for ${what}, with the message next to the field and the text kept, writing nothing`, async () => {
      const postId = await newPost(`Refus : ${what}`);
      const top = await comment(fan2C, postId, 'Déjà là');
      const before = { comments: await commentsOf(postId), count: (await postRow(postId)).comment_count, notifications: (await t.db.selectFrom('notifications').select('id').execute()).length };
      for (const parentId of [undefined, top]) {
        const res = await submit(followerC, `/posts/${postId}/comments`, { body, ...(parentId ? { parentId: String(parentId) } : {}) });
        expect(res.status).toBe(422);
        // The post page, with its comments, and the form in error.
        expect(res.text).toContain(`Refus : ${what}`);
        expect(res.text).toContain(`id="comment-${top}"`);
        expect(res.text).toContain(`<p class="field__error" id="field-body-error">${message()}</p>`);
        expect(res.text).toMatch(/<textarea id="field-body"[^>]*aria-invalid="true"/);
        expect(/<textarea id="field-body"[^>]*>([\s\S]*?)<\/textarea>/.exec(res.text)![1]).toBe(Handlebars.escapeExpression(body));
        // A refused reply stays a reply.
        if (parentId) expect(res.text).toContain(`<input type="hidden" name="parentId" value="${parentId}">`);
        else expect(res.text).not.toContain('name="parentId"');
      }
      expect(await commentsOf(postId)).toEqual(before.comments);
      expect((await postRow(postId)).comment_count).toBe(before.count);
      expect((await t.db.selectFrom('notifications').select('id').execute()).length).toBe(before.notifications);
    });
  }

  it('accepts exactly 2000 characters, counting characters rather than bytes (2000 emoji)', async () => {
    const postId = await newPost('Limite');
    for (const body of ['a'.repeat(2000), '🌱'.repeat(2000)]) {
      const id = await comment(followerC, postId, body);
      expect((await commentRow(id))!.body).toBe(body);
    }
    expect((await postRow(postId)).comment_count).toBe(2);
  });
});

describe('mentions in comments', () => {
  const notified = async (commentId: number) =>
    (await t.db.selectFrom('notifications').select(['user_id', 'kind']).where('comment_id', '=', commentId).where('kind', 'in', ['mention_post', 'mention_comment']).execute()).map((n) => ({ user: Number(n.user_id), kind: n.kind }));
  const listed = async (c: Client, postId: number, commentId: number) => (await c.get('/notifications')).text.includes(`href="/posts/${postId}#comment-${commentId}"`);

  it('on a followers-only post, notifies the mentioned followers and the author, not a stranger, a pending account or the writer', async () => {
    const postId = await newPost('Entre abonnés', 'followers');
    const id = await comment(followerC, postId, 'Vous venez ? @cm_fan2 @cm_stranger @cm_author @cm_pending @cm_follower');
    const got = await notified(id);
    expect(got).toHaveLength(2);
    expect(got).toEqual(expect.arrayContaining([{ user: fan2.id, kind: 'mention_comment' }, { user: author.id, kind: 'mention_comment' }]));
    expect(await listed(fan2C, postId, id)).toBe(true);
    expect(await listed(authorC, postId, id)).toBe(true);
    expect(await listed(strangerC, postId, id)).toBe(false);
    expect((await strangerC.get(`/posts/${postId}`)).status).toBe(404);
  });

  it('on a post for mentioned people, a mention in a comment notifies nobody the post does not mention, and shows them nothing', async () => {
    const postId = await newPost('Pour @cm_follower seulement', 'mentioned');
    const id = await comment(followerC, postId, 'Je transmets à @cm_fan2 et @cm_stranger, et merci @cm_author');
    expect(await notified(id)).toEqual([{ user: author.id, kind: 'mention_comment' }]);
    expect(await listed(fan2C, postId, id)).toBe(false);
    expect(await listed(strangerC, postId, id)).toBe(false);
    expect((await fan2C.get(`/posts/${postId}`)).status).toBe(404);
    expect((await strangerC.get(`/posts/${postId}`)).status).toBe(404);
  });

  it('on a public post, notifies any active member mentioned', async () => {
    const postId = await newPost('Ouvert à tous');
    const id = await comment(followerC, postId, 'Regarde @cm_stranger');
    expect(await notified(id)).toEqual([{ user: stranger.id, kind: 'mention_comment' }]);
    expect(await listed(strangerC, postId, id)).toBe(true);
  });
});
