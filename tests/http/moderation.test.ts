// Moderation end to end over HTTP: reporting (form, confirmation, my reports, once per open case,
// rate limit, reporter never shown to the reported), the review queue (grouping, snapshot kept
// after edit and delete, filters, header count), auto-hide at the weighted score with moderator
// notifications, content actions (hide with reason shown to the author only, delete) and their
// effect on every surface, graded sanctions (warning to acknowledge, limit → held posts,
// suspension ending sessions, one appeal, lifting), and the audit events of each action.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import type { User } from '../../server/db/schema.ts';
import { idFrom } from '../support/social.ts';

let t: TestApp;
let author: User;
let reporter: User;
let reporter2: User;
let trusted: User;
let mod: User;
let admin: User;
let authorC: Client;
let reporterC: Client;
let reporter2C: Client;
let trustedC: Client;
let modC: Client;
let adminC: Client;

const submit = async (c: Client, path: string, fields: Record<string, string> = {}) => c.submit(path, fields, { csrf: await c.token() });
async function newPost(c: Client, wall: string, body: string, visibility = 'public'): Promise<number> {
  return idFrom(await c.submitMultipart(`/@${wall}/posts`, { body, visibility }, {}, { csrf: await c.token() }), 'post');
}
async function newComment(c: Client, postId: number, body: string): Promise<number> {
  return idFrom(await submit(c, `/posts/${postId}/comments`, { body }), 'comment');
}
const caseOf = (kind: string, id: number, origin = 'reports') =>
  t.db.selectFrom('moderation_cases').selectAll().where('target_kind', '=', kind).where('target_id', '=', id).where('origin', '=', origin as never).orderBy('id', 'desc').executeTakeFirst();
const auditActions = async (action: string) => t.db.selectFrom('audit_events').selectAll().where('action', '=', action).execute();

beforeAll(async () => {
  t = await createTestApp();
  author = await createUser(t.db, { handle: 'md_author', displayName: 'Auteur Signalé' });
  reporter = await createUser(t.db, { handle: 'md_reporter', displayName: 'Personne Vigilante' });
  reporter2 = await createUser(t.db, { handle: 'md_reporter2' });
  trusted = await createUser(t.db, { handle: 'md_trusted' });
  mod = await createUser(t.db, { handle: 'md_mod', role: 'moderator' });
  admin = await createUser(t.db, { handle: 'md_admin', role: 'admin' });
  await t.db.updateTable('users').set({ trusted_at: new Date() }).where('id', '=', trusted.id).execute();
  authorC = await t.loggedIn(author.handle);
  reporterC = await t.loggedIn(reporter.handle);
  reporter2C = await t.loggedIn(reporter2.handle);
  trustedC = await t.loggedIn(trusted.handle);
  modC = await t.loggedIn(mod.handle);
  adminC = await t.loggedIn(admin.handle);
});
afterAll(async () => t.close());

describe('reporting', () => {
  it('shows a Report link on posts, comments and profiles of others, never on one’s own', async () => {
    const postId = await newPost(authorC, 'md_author', 'publication à signaler peut-être');
    const commentId = await newComment(authorC, postId, 'commentaire de l’auteur');
    const seen = (await reporterC.get(`/posts/${postId}`)).text;
    expect(seen).toContain(`/report/post/${postId}`);
    expect(seen).toContain(`/report/comment/${commentId}`);
    const own = (await authorC.get(`/posts/${postId}`)).text;
    expect(own).not.toContain(`/report/post/${postId}`);
    expect((await reporterC.get('/@md_author')).text).toContain(`/report/profile/${author.id}`);
    expect((await authorC.get('/@md_author')).text).not.toContain(`/report/profile/${author.id}`);
    expect((await t.client().get(`/posts/${postId}`)).text).not.toContain('/report/');
  });

  it('takes a report with a reason and a comment, confirms it and lists it in my reports with its outcome', async () => {
    const postId = await newPost(authorC, 'md_author', 'arnaque évidente au prêt');
    const form = await reporterC.get(`/report/post/${postId}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('arnaque évidente au prêt');
    const res = await submit(reporterC, `/report/post/${postId}`, { reason: 'scam', comment: 'demande de l’argent' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/reports?notice=reportSent');
    const mine = (await reporterC.get(res.headers.location!)).text;
    expect(mine).toContain('arnaque évidente au prêt');
    expect(mine).toContain('En attente d’examen');
    const c = await caseOf('post', postId);
    expect(c?.subject_user_id).toBe(author.id);
    expect(c?.state).toBe('open');
  });

  it('refuses a report without a reason on the same page, keeping the comment', async () => {
    const postId = await newPost(authorC, 'md_author', 'sans raison');
    const res = await submit(reporterC, `/report/post/${postId}`, { comment: 'texte gardé 93x' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('texte gardé 93x');
    expect(res.text).toContain('Choisissez une raison.');
    expect(await caseOf('post', postId)).toBeUndefined();
  });

  it('refuses a second report of the same target by the same member while the case is open', async () => {
    const postId = await newPost(authorC, 'md_author', 'double signalement');
    expect((await submit(reporterC, `/report/post/${postId}`, { reason: 'spam' })).status).toBe(303);
    const again = await submit(reporterC, `/report/post/${postId}`, { reason: 'other' });
    expect(again.status).toBe(422);
    expect(again.text).toContain('Vous avez déjà signalé ce contenu');
    const c = await caseOf('post', postId);
    const reports = await t.db.selectFrom('moderation_reports').selectAll().where('case_id', '=', c!.id).execute();
    expect(reports).toHaveLength(1);
  });

  it('answers 404 to reporting one’s own content, something the reporter cannot see, or an unknown kind; logged out must sign in', async () => {
    const own = await newPost(reporterC, 'md_reporter', 'à moi');
    expect((await submit(reporterC, `/report/post/${own}`, { reason: 'spam' })).status).toBe(404);
    const followersOnly = await newPost(authorC, 'md_author', 'pour abonnés', 'followers');
    expect((await reporterC.get(`/report/post/${followersOnly}`)).status).toBe(404);
    expect((await submit(reporterC, `/report/post/${followersOnly}`, { reason: 'spam' })).status).toBe(404);
    expect((await reporterC.get(`/report/wat/1`)).status).toBe(404);
    const visitor = t.client();
    const res = await visitor.get(`/report/profile/${author.id}`);
    expect([302, 303, 401]).toContain(res.status);
  });

  it('never shows the reporter to the reported member', async () => {
    const postId = await newPost(authorC, 'md_author', 'qui m’a signalé ?');
    await submit(reporterC, `/report/post/${postId}`, { reason: 'harassment', comment: 'commentaire-secret-rpt' });
    for (const path of [`/posts/${postId}`, '/notifications', '/@md_author', '/reports', '/account/moderation']) {
      const html = (await authorC.get(path)).text;
      expect(html).not.toContain('md_reporter');
      expect(html).not.toContain('commentaire-secret-rpt');
    }
    expect((await authorC.get('/moderation')).status).toBe(404);
  });

  it('throttles reporting: beyond the hourly limit the form says so and nothing is stored', async () => {
    await t.db.updateTable('moderation_settings').set({ reports_per_hour: 2 }).execute();
    try {
      const c = await t.loggedIn((await createUser(t.db, { handle: 'md_flood' })).handle);
      const ids = [await newPost(authorC, 'md_author', 'f1'), await newPost(authorC, 'md_author', 'f2'), await newPost(authorC, 'md_author', 'f3')];
      expect((await submit(c, `/report/post/${ids[0]}`, { reason: 'spam' })).status).toBe(303);
      expect((await submit(c, `/report/post/${ids[1]}`, { reason: 'spam' })).status).toBe(303);
      const third = await submit(c, `/report/post/${ids[2]}`, { reason: 'spam', comment: 'gardé' });
      expect(third.status).toBe(422);
      expect(third.text).toContain('gardé');
      expect(await caseOf('post', ids[2]!)).toBeUndefined();
    } finally {
      await t.db.updateTable('moderation_settings').set({ reports_per_hour: 10 }).execute();
    }
  });
});

describe('the review queue', () => {
  it('groups reports on one target in one case, keeps the content as reported after an edit and a deletion', async () => {
    const postId = await newPost(authorC, 'md_author', 'version-originale-q1');
    await submit(reporterC, `/report/post/${postId}`, { reason: 'spam' });
    expect((await submit(authorC, `/posts/${postId}/edit`, { body: 'version-modifiée-q1', visibility: 'public' })).status).toBe(303);
    await submit(reporter2C, `/report/post/${postId}`, { reason: 'misinformation' });
    const c = (await caseOf('post', postId))!;
    expect(Number((await t.db.selectFrom('moderation_reports').select((eb) => eb.fn.countAll().as('n')).where('case_id', '=', c.id).executeTakeFirstOrThrow()).n)).toBe(2);

    const queue = (await modC.get('/moderation')).text;
    expect(queue).toContain(`/moderation/cases/${c.id}`);
    const page = (await modC.get(`/moderation/cases/${c.id}`)).text;
    expect(page).toContain('version-originale-q1');
    expect(page).toContain('version-modifiée-q1');
    expect(page).toContain('md_reporter2');
    expect(page).toMatch(/inscrit·e depuis \d+ jour/);

    expect((await submit(authorC, `/posts/${postId}/delete`)).status).toBe(303);
    const after = (await modC.get(`/moderation/cases/${c.id}`)).text;
    expect(after).toContain('version-originale-q1');
    expect(after).toContain('Le contenu n’existe plus');
  });

  it('filters by state, reason and assignee, and shows the open count in moderators’ header only', async () => {
    const postId = await newPost(authorC, 'md_author', 'filtre-danger-z');
    await submit(reporterC, `/report/post/${postId}`, { reason: 'danger' });
    const c = (await caseOf('post', postId))!;
    expect((await modC.get('/moderation?reason=danger')).text).toContain(`/moderation/cases/${c.id}"`);
    expect((await modC.get('/moderation?reason=illegal')).text).not.toContain(`/moderation/cases/${c.id}"`);
    expect((await modC.get('/moderation?assignee=me')).text).not.toContain(`/moderation/cases/${c.id}"`);
    expect((await submit(modC, `/moderation/cases/${c.id}/assign`, { to: 'me' })).status).toBe(303);
    expect((await modC.get('/moderation?assignee=me')).text).toContain(`/moderation/cases/${c.id}"`);
    expect((await t.db.selectFrom('moderation_cases').select('state').where('id', '=', c.id).executeTakeFirstOrThrow()).state).toBe('in_progress');
    expect((await submit(modC, `/moderation/cases/${c.id}/state`, { state: 'rejected', note: 'rien de grave' })).status).toBe(303);
    expect((await modC.get('/moderation')).text).not.toContain(`/moderation/cases/${c.id}"`);
    expect((await modC.get('/moderation?state=rejected')).text).toContain(`/moderation/cases/${c.id}"`);
    expect((await reporterC.get('/reports')).text).toContain('Examiné, sans suite');

    const open = Number((await t.db.selectFrom('moderation_cases').select((eb) => eb.fn.countAll().as('n')).where('state', 'in', ['open', 'in_progress']).executeTakeFirstOrThrow()).n);
    expect((await modC.get('/')).text).toMatch(new RegExp(`id="moderation-count" data-live="moderation:1"[^>]*>Modération <span class="badge badge--count">${open}<`));
    expect((await reporterC.get('/')).text).not.toContain('id="moderation-count"');
  });

  it('auto-hides content when the weighted score reaches the threshold (trusted members weigh more) and notifies moderators', async () => {
    await t.db.updateTable('moderation_settings').set({ auto_hide_score: 4, trusted_weight: 3 }).execute();
    const postId = await newPost(authorC, 'md_author', 'auto-masque-k9 #automasque');
    const commentId = await newComment(reporter2C, postId, 'commentaire sous le masqué');
    await submit(reporterC, `/report/post/${postId}`, { reason: 'spam' });
    expect((await reporter2C.get(`/posts/${postId}`)).status).toBe(200);
    await submit(trustedC, `/report/post/${postId}`, { reason: 'spam' });
    const c = (await caseOf('post', postId))!;
    expect(c.score).toBe(4);
    expect(c.auto_hidden_at).not.toBeNull();
    // Hidden for everyone but its author, on every surface.
    expect((await reporter2C.get(`/posts/${postId}`)).status).toBe(404);
    expect((await t.client().get(`/posts/${postId}`)).status).toBe(404);
    expect((await reporter2C.get('/@md_author')).text).not.toContain('auto-masque-k9');
    expect((await reporter2C.get('/tags/automasque')).text).not.toContain('auto-masque-k9');
    expect((await reporter2C.get(`/comments/${commentId}/edit`)).status).toBe(404);
    const own = await authorC.get(`/posts/${postId}`);
    expect(own.status).toBe(200);
    expect(own.text).toContain('Masqué en attendant l’examen');
    const notes = await t.db.selectFrom('notifications').selectAll().where('kind', '=', 'moderation_auto_hidden').where('moderation_case_id', '=', c.id).execute();
    expect(notes.map((n) => n.user_id).sort()).toEqual([mod.id, admin.id].sort());
    expect((await modC.get('/notifications')).text).toContain(`/moderation/cases/${c.id}`);
    expect(await auditActions('moderation.auto_hidden')).not.toHaveLength(0);
    await t.db.updateTable('moderation_settings').set({ auto_hide_score: 5, trusted_weight: 3 }).execute();
  });
});

describe('actions on content', () => {
  it('hides a comment with a reason shown to its author only, then shows it again; counts follow', async () => {
    const postId = await newPost(reporter2C, 'md_reporter2', 'publication avec commentaire');
    const commentId = await newComment(authorC, postId, 'commentaire-injurieux-x4 @md_reporter2');
    await submit(reporterC, `/report/comment/${commentId}`, { reason: 'harassment' });
    const c = (await caseOf('comment', commentId))!;
    expect((await reporter2C.get('/notifications')).text).toContain(`#comment-${commentId}`);

    const noReason = await submit(modC, `/moderation/cases/${c.id}/action`, { action: 'hide', reason: '' });
    expect(noReason.status).toBe(422);
    expect((await submit(modC, `/moderation/cases/${c.id}/action`, { action: 'hide', reason: 'propos blessants' })).status).toBe(303);
    const count = async () => (await t.db.selectFrom('posts').select('comment_count').where('id', '=', postId).executeTakeFirstOrThrow()).comment_count;
    expect(await count()).toBe(0);
    for (const viewer of [reporter2C, reporterC, modC, t.client()]) expect((await viewer.get(`/posts/${postId}`)).text).not.toContain('commentaire-injurieux-x4');
    expect((await reporter2C.get('/notifications')).text).not.toContain(`#comment-${commentId}`);
    const own = (await authorC.get(`/posts/${postId}`)).text;
    expect(own).toContain('commentaire-injurieux-x4');
    expect(own).toContain('Masqué par l’équipe de modération : propos blessants.');
    const audit = (await auditActions('moderation.content_hidden')).at(-1)!;
    expect(audit.actor_id).toBe(mod.id);
    expect(audit.target_user_id).toBe(author.id);
    expect(audit.details).toMatchObject({ reason: 'propos blessants', before: { hidden: false }, after: { hidden: true } });

    expect((await submit(modC, `/moderation/cases/${c.id}/action`, { action: 'unhide' })).status).toBe(303);
    expect((await reporter2C.get(`/posts/${postId}`)).text).toContain('commentaire-injurieux-x4');
    expect(await count()).toBe(1);
  });

  it('deletes reported content; the case is resolved and the reporter sees the outcome', async () => {
    const postId = await newPost(authorC, 'md_author', 'à-supprimer-d3');
    await submit(reporterC, `/report/post/${postId}`, { reason: 'illegal' });
    const c = (await caseOf('post', postId))!;
    const before = (await t.db.selectFrom('profiles').select('post_count').where('user_id', '=', author.id).executeTakeFirstOrThrow()).post_count;
    expect((await submit(modC, `/moderation/cases/${c.id}/action`, { action: 'delete', reason: 'illégal' })).status).toBe(303);
    expect(await t.db.selectFrom('posts').select('id').where('id', '=', postId).executeTakeFirst()).toBeUndefined();
    expect((await t.db.selectFrom('profiles').select('post_count').where('user_id', '=', author.id).executeTakeFirstOrThrow()).post_count).toBe(before - 1);
    expect((await t.db.selectFrom('moderation_cases').select('state').where('id', '=', c.id).executeTakeFirstOrThrow()).state).toBe('resolved');
    expect((await reporterC.get('/reports')).text).toContain('Traité par l’équipe de modération');
    expect((await modC.get(`/moderation/cases/${c.id}`)).text).toContain('à-supprimer-d3');
    expect((await auditActions('moderation.content_deleted')).at(-1)!.details).toMatchObject({ before: { body: 'à-supprimer-d3' } });
  });

  it('a hidden post leaves the share preview and the post count', async () => {
    const postId = await newPost(authorC, 'md_author', 'original-partagé-s5');
    expect((await submit(reporterC, `/posts/${postId}/share`, { body: 'je relaie', visibility: 'public' })).status).toBe(303);
    await submit(reporter2C, `/report/post/${postId}`, { reason: 'spam' });
    const c = (await caseOf('post', postId))!;
    await submit(modC, `/moderation/cases/${c.id}/action`, { action: 'hide', reason: 'spam' });
    const wall = (await reporter2C.get('/@md_reporter')).text;
    expect(wall).toContain('je relaie');
    expect(wall).not.toContain('original-partagé-s5');
  });
});

describe('sanctions', () => {
  it('a warning must be acknowledged before anything else', async () => {
    const w = await createUser(t.db, { handle: 'md_warned' });
    const wc = await t.loggedIn(w.handle);
    const res = await submit(modC, '/moderation/members/md_warned/sanctions', { kind: 'warning', reason: 'ton agressif' });
    expect(res.status).toBe(303);
    const home = await wc.get('/');
    expect(home.status).toBe(403);
    expect(home.text).toContain('ton agressif');
    const s = await t.db.selectFrom('moderation_sanctions').selectAll().where('user_id', '=', w.id).executeTakeFirstOrThrow();
    expect((await wc.submit(`/account/moderation/${s.id}/acknowledge`, {}, { from: '/account/moderation' })).status).toBe(303);
    expect((await wc.get('/')).status).toBe(200);
  });

  it('a limited member’s posts wait in the queue until a moderator approves them', async () => {
    const l = await createUser(t.db, { handle: 'md_limited' });
    const lc = await t.loggedIn(l.handle);
    await submit(modC, '/moderation/members/md_limited/sanctions', { kind: 'limit', duration: '7d', templateId: '1' });
    const res = await lc.submitMultipart('/@md_limited/posts', { body: 'retenu-h7', visibility: 'public' }, {}, { csrf: await lc.token() });
    expect(res.headers.location).toContain('notice=postHeld');
    const postId = Number(/#post-(\d+)/.exec(res.headers.location!)![1]);
    expect((await reporterC.get(`/posts/${postId}`)).status).toBe(404);
    expect((await lc.get(`/posts/${postId}`)).text).toContain('En attente de validation');
    const c = (await caseOf('post', postId, 'held'))!;
    expect((await modC.get('/moderation?origin=held')).text).toContain(`/moderation/cases/${c.id}"`);
    expect((await submit(modC, `/moderation/cases/${c.id}/action`, { action: 'approve' })).status).toBe(303);
    expect((await reporterC.get(`/posts/${postId}`)).text).toContain('retenu-h7');
  });

  it('suspends for 7 days: sessions end at once, the member sees what, why and until when, appeals once; lifting restores access', async () => {
    const s = await createUser(t.db, { handle: 'md_suspended', password: 'un-mot-de-passe-assez-long' });
    const sc = await t.loggedIn(s.handle, 'un-mot-de-passe-assez-long');
    expect((await sc.get('/')).status).toBe(200);
    const bad = await submit(modC, '/moderation/members/md_suspended/sanctions', { kind: 'suspension', duration: '99y', reason: 'x' });
    expect(bad.status).toBe(422);
    expect((await submit(modC, '/moderation/members/md_suspended/sanctions', { kind: 'suspension', duration: '7d', reason: 'menaces répétées' })).status).toBe(303);
    expect(await t.db.selectFrom('sessions').select('id').where('user_id', '=', s.id).execute()).toHaveLength(0);
    expect((await sc.get('/notifications')).status).not.toBe(200);

    const again = await t.loggedIn(s.handle, 'un-mot-de-passe-assez-long');
    const page = await again.get('/@md_author');
    expect(page.status).toBe(403);
    expect(page.text).toContain('menaces répétées');
    expect(page.text).toContain('Jusqu’au');
    // Cannot act.
    const post = await again.submitMultipart('/@md_suspended/posts', { body: 'essai', visibility: 'public' }, {}, { from: '/account/moderation' });
    expect(post.status).toBe(403);
    const sanction = await t.db.selectFrom('moderation_sanctions').selectAll().where('user_id', '=', s.id).executeTakeFirstOrThrow();
    const empty = await again.submit(`/account/moderation/${sanction.id}/appeal`, { appeal: '' }, { from: '/account/moderation' });
    expect(empty.status).toBe(422);
    expect((await again.submit(`/account/moderation/${sanction.id}/appeal`, { appeal: 'je conteste-a1' }, { from: '/account/moderation' })).status).toBe(303);
    const twice = await again.submit(`/account/moderation/${sanction.id}/appeal`, { appeal: 'encore' }, { from: '/account/moderation' });
    expect(twice.status).not.toBe(303);
    const appealCase = (await caseOf('sanction', sanction.id, 'appeal'))!;
    expect((await modC.get('/moderation?origin=appeal')).text).toContain(`/moderation/cases/${appealCase.id}"`);
    expect((await modC.get(`/moderation/cases/${appealCase.id}`)).text).toContain('je conteste-a1');

    expect((await submit(modC, `/moderation/sanctions/${sanction.id}/lift`, { reason: 'contestation acceptée', next: `/moderation/cases/${appealCase.id}` })).status).toBe(303);
    expect((await again.get('/@md_author')).status).toBe(200);
    expect((await t.db.selectFrom('moderation_cases').select('state').where('id', '=', appealCase.id).executeTakeFirstOrThrow()).state).toBe('resolved');
    const created = (await auditActions('moderation.sanction_created')).find((e) => e.target_user_id === s.id)!;
    expect(created.details).toMatchObject({ kind: 'suspension', duration: '7d', reason: 'menaces répétées', sessionsEnded: 1 });
    expect((await auditActions('moderation.sanction_lifted')).some((e) => e.target_user_id === s.id && e.actor_id === mod.id)).toBe(true);
  });

  it('a suspension ends by itself when its time is over', async () => {
    const s = await createUser(t.db, { handle: 'md_expired' });
    await t.db.insertInto('moderation_sanctions').values({ user_id: s.id, kind: 'suspension', reason: 'passé', created_by: mod.id, case_id: null, ends_at: new Date(Date.now() - 1000) }).execute();
    expect((await (await t.loggedIn(s.handle)).get('/')).status).toBe(200);
  });

  it('moderators cannot sanction themselves or other moderators; admins can sanction moderators', async () => {
    const other = await createUser(t.db, { handle: 'md_mod2', role: 'moderator' });
    expect((await submit(modC, '/moderation/members/md_mod/sanctions', { kind: 'warning', reason: 'moi' })).status).toBe(422);
    expect((await submit(modC, '/moderation/members/md_mod2/sanctions', { kind: 'warning', reason: 'toi' })).status).toBe(422);
    expect((await submit(adminC, '/moderation/members/md_mod2/sanctions', { kind: 'warning', reason: 'rappel' })).status).toBe(303);
    expect(await t.db.selectFrom('moderation_sanctions').select('id').where('user_id', '=', other.id).execute()).toHaveLength(1);
  });

  it('shows a member’s history, notes and trust in one place for moderators', async () => {
    expect((await submit(modC, '/moderation/members/md_author/notes', { note: 'note-membre-n8' })).status).toBe(303);
    expect((await submit(modC, '/moderation/members/md_reporter2/trust', { trusted: 'true' })).status).toBe(303);
    expect((await t.db.selectFrom('users').select('trusted_at').where('id', '=', reporter2.id).executeTakeFirstOrThrow()).trusted_at).not.toBeNull();
    const page = (await modC.get('/moderation/members/md_author')).text;
    expect(page).toContain('note-membre-n8');
    expect((await reporterC.get('/moderation/members/md_author')).status).toBe(404);
    expect((await auditActions('moderation.member_trusted')).at(-1)!.target_user_id).toBe(reporter2.id);
  });
});

describe('moderation settings', () => {
  it('admins change the threshold and edit reason templates; bad numbers are refused on the page', async () => {
    const bad = await submit(adminC, '/admin/moderation/settings', { autoHideScore: '0', trustedWeight: '2', reportsPerHour: '5' });
    expect(bad.status).toBe(422);
    expect((await submit(adminC, '/admin/moderation/settings', { autoHideScore: '6', trustedWeight: '2', reportsPerHour: '10' })).status).toBe(303);
    expect((await t.db.selectFrom('moderation_settings').selectAll().executeTakeFirstOrThrow()).auto_hide_score).toBe(6);
    expect((await submit(adminC, '/admin/moderation/templates', { title: 'Doublon', body: 'Messages en double.' })).status).toBe(303);
    expect((await adminC.get('/admin/moderation')).text).toContain('Messages en double.');
    expect((await modC.get('/admin/moderation')).status).toBe(404);
    expect((await auditActions('admin.moderation_settings_changed')).at(-1)!.details).toMatchObject({ after: { auto_hide_score: 6 } });
  });
});

describe('the audit log', () => {
  it('filters by action family, actor and target, and exports the same as CSV safe for spreadsheets', async () => {
    // A note whose text starts like a formula, then a sanction whose reason is one.
    const f = await createUser(t.db, { handle: 'md_formula' });
    expect((await submit(modC, '/moderation/members/md_formula/sanctions', { kind: 'warning', reason: '=HYPERLINK("http://evil","x")' })).status).toBe(303);
    const page = (await adminC.get('/admin/audit?action=moderation.&actor=md_mod&target=md_formula')).text;
    expect(page).toContain('Sanction');
    expect(page).toContain('@md_formula');
    const none = (await adminC.get('/admin/audit?action=auth.&target=md_formula')).text;
    expect(none).not.toContain('@md_formula');
    const csv = await adminC.get('/admin/audit.csv?action=moderation.sanction_created&target=md_formula');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('attachment');
    const lines = csv.text.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('"action"');
    expect(lines[1]).toContain('"moderation.sanction_created"');
    expect(lines[1]).toContain(`"${f.id}","md_formula"`);
    // The reason sits inside the JSON details: quotes doubled, no cell starts with '='.
    expect(lines[1]).toContain('=HYPERLINK(\\""http://evil\\""');
    expect(lines[1]).not.toMatch(/(^|,)"=/);
    expect(csv.text).not.toContain('password');
    for (const c of [modC, reporterC, t.client()]) {
      expect((await c.get('/admin/audit.csv')).status).not.toBe(200);
      expect((await c.get('/admin/audit')).status).not.toBe(200);
    }
  });

  it('puts a leading apostrophe before a cell that starts like a formula', async () => {
    const { csvLine } = await import('../../server/services/csv.ts');
    expect(csvLine(['=1+1', '+x', '-y', '@z', 'ok "q"', null])).toBe(`"'=1+1","'+x","'-y","'@z","ok ""q""",""\r\n`);
  });
});

describe('new-member safety and watched words', () => {
  it('applies the first days’ rules to new, untrusted members only: delay, no links, first posts held', async () => {
    expect((await submit(adminC, '/admin/moderation/safety', { newMemberDays: '-1', newMemberMinSeconds: '0', newMemberHeldPosts: '0' })).status).toBe(422);
    expect((await submit(adminC, '/admin/moderation/safety', { newMemberDays: '7', newMemberMinSeconds: '600', newMemberHeldPosts: '1', newMemberNoLinks: 'true' })).status).toBe(303);
    try {
      const fresh = await createUser(t.db, { handle: 'md_newbie' });
      const c = await t.loggedIn(fresh.handle);
      const link = await c.submitMultipart('/@md_newbie/posts', { body: 'voir https://exemple.org', visibility: 'public' }, {}, { csrf: await c.token() });
      expect(link.status).toBe(422);
      expect(link.text).toContain('les liens ne sont pas permis');
      const first = await c.submitMultipart('/@md_newbie/posts', { body: 'premier-n1', visibility: 'public' }, {}, { csrf: await c.token() });
      expect(first.headers.location).toContain('notice=postHeld');
      const tooSoon = await c.submitMultipart('/@md_newbie/posts', { body: 'second-n2', visibility: 'public' }, {}, { csrf: await c.token() });
      expect(tooSoon.status).toBe(422);
      expect(tooSoon.text).toContain('second-n2');
      expect(tooSoon.text).toContain('attendez encore');
      // A trusted member (marked by a moderator) is not a "new member".
      await submit(modC, '/moderation/members/md_newbie/trust', { trusted: 'true' });
      const trustedPost = await c.submitMultipart('/@md_newbie/posts', { body: 'confiance https://exemple.org', visibility: 'public' }, {}, { csrf: await c.token() });
      expect(trustedPost.headers.location).toContain('notice=postPublished');
      // Older members are not concerned.
      await t.db.updateTable('users').set({ created_at: new Date(Date.now() - 30 * 86_400_000) } as never).where('id', '=', author.id).execute();
      expect((await authorC.submitMultipart('/@md_author/posts', { body: 'ancien https://exemple.org', visibility: 'public' }, {}, { csrf: await authorC.token() })).status).toBe(303);
    } finally {
      await submit(adminC, '/admin/moderation/safety', { newMemberDays: '0', newMemberMinSeconds: '0', newMemberHeldPosts: '0' });
    }
  });

  it('watched words block, hold, flag or replace, and the test box shows what a text would trigger', async () => {
    const words: Record<string, string>[] = [
      { pattern: 'interditmot', action: 'block' },
      { pattern: 'retenumot', action: 'hold' },
      { pattern: 'signalemot', action: 'flag' },
      { pattern: 'gros\\w*', isRegex: 'true', action: 'replace', replacement: '***' },
    ];
    for (const w of words) {
      expect((await submit(adminC, '/admin/moderation/words', w)).status).toBe(303);
    }
    const bad = await submit(adminC, '/admin/moderation/words', { pattern: '(', isRegex: 'true', action: 'flag' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('pas une expression valide');

    const test = await submit(adminC, '/admin/moderation/words/test', { sample: 'un grosmot et signalemot' });
    expect(test.status).toBe(200);
    expect(test.text).toContain('signaler à la file');
    expect(test.text).toContain('un *** et signalemot');

    const blocked = await reporterC.submitMultipart('/@md_reporter/posts', { body: 'avec interditmot dedans', visibility: 'public' }, {}, { csrf: await reporterC.token() });
    expect(blocked.status).toBe(422);
    expect(blocked.text).toContain('avec interditmot dedans');
    const held = await reporterC.submitMultipart('/@md_reporter/posts', { body: 'un retenumot', visibility: 'public' }, {}, { csrf: await reporterC.token() });
    expect(held.headers.location).toContain('notice=postHeld');
    const flaggedPost = idFrom(await reporterC.submitMultipart('/@md_reporter/posts', { body: 'un signalemot et un grosmot', visibility: 'public' }, {}, { csrf: await reporterC.token() }), 'post');
    const row = await t.db.selectFrom('posts').select('body').where('id', '=', flaggedPost).executeTakeFirstOrThrow();
    expect(row.body).toBe('un signalemot et un ***');
    expect(await caseOf('post', flaggedPost, 'flag')).toBeDefined();
    const commentId = await newComment(reporterC, flaggedPost, 'commentaire retenumot');
    expect(await caseOf('comment', commentId, 'flag')).toBeDefined();
    expect((await auditActions('admin.watched_word_added')).length).toBeGreaterThanOrEqual(4);
    for (const w of await t.db.selectFrom('watched_words').select('id').execute()) {
      expect((await submit(adminC, `/admin/moderation/words/${w.id}/delete`)).status).toBe(303);
    }
  });
});
