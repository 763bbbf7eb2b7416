// Moderation where it meets the forum and the live layer: topics and their replies can be
// reported, hidden (seen by their author only, with the reason), shown again and deleted from a
// case, and the change reaches open pages over the websocket; blocks and mutes hold in topics
// (pages, lists, replies, likes, notifications, the topic channel); watched words and new-member
// rules screen forum writing; the moderators' header count follows the queue live; a suspension
// closes the member's sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { openTopic, replyInTopic } from '../support/social.ts';
import { LiveClient, type LiveMessage } from '../support/live.ts';
import type { User } from '../../server/db/schema.ts';

let t: TestApp;
const u = {} as Record<'author' | 'reader' | 'reporter' | 'blocker' | 'blocked' | 'mod' | 'admin' | 'newbie', User>;
const c = {} as Record<keyof typeof u, Client>;
let cat: number;
const sockets: LiveClient[] = [];

const submit = async (cl: Client, path: string, fields: Record<string, string> = {}) => cl.submit(path, fields, { csrf: await cl.token() });
async function open(client?: Client) {
  const s = await LiveClient.open(t.origin, client ? { client } : {});
  sockets.push(s);
  return s;
}
const newTopic = (cl: Client, title: string, body?: string) => openTopic(cl, cat, title, body);
const reply = replyInTopic;
async function report(cl: Client, kind: string, id: number, reason = 'harassment'): Promise<number> {
  expect((await submit(cl, `/report/${kind}/${id}`, { reason, comment: 'à vérifier' })).status).toBe(303);
  const row = await t.db.selectFrom('moderation_cases').select('id').where('target_kind', '=', kind).where('target_id', '=', id).orderBy('id', 'desc').executeTakeFirstOrThrow();
  return row.id;
}
const act = (caseId: number, action: string, reason = 'propos blessants') => submit(c.mod, `/moderation/cases/${caseId}/action`, { action, reason });
const notificationKinds = async (userId: number) =>
  (await t.db.selectFrom('notifications').select(['kind', 'reply_id', 'topic_id']).where('user_id', '=', userId).execute()).map((n) => `${n.kind}:${n.topic_id}:${n.reply_id}`);

beforeAll(async () => {
  t = await createTestApp({});
  u.author = await createUser(t.db, { handle: 'mf_author', displayName: 'Autrice Forum' });
  u.reader = await createUser(t.db, { handle: 'mf_reader', displayName: 'Lecteur Forum' });
  u.reporter = await createUser(t.db, { handle: 'mf_reporter', displayName: 'Vigie Forum' });
  u.blocker = await createUser(t.db, { handle: 'mf_blocker', displayName: 'Qui Bloque' });
  u.blocked = await createUser(t.db, { handle: 'mf_blocked', displayName: 'Qui Est Bloqué' });
  u.mod = await createUser(t.db, { handle: 'mf_mod', displayName: 'Modé Forum', role: 'moderator' });
  u.admin = await createUser(t.db, { handle: 'mf_admin', displayName: 'Admin Forum', role: 'admin' });
  u.newbie = await createUser(t.db, { handle: 'mf_newbie', displayName: 'Nouvelle Venue' });
  for (const k of Object.keys(u) as (keyof typeof u)[]) c[k] = await t.loggedIn(u[k].handle);
  // Everyone but the newcomer joined long ago (the new-member rules are for the newcomer only).
  await t.db.updateTable('users').set({ created_at: new Date(Date.now() - 90 * 86_400_000) } as never).where('id', '!=', u.newbie.id).execute();
  expect((await submit(c.admin, '/admin/categories', { name: 'Entraide', description: 'Discussions', colour: '#225588', position: '1' })).status).toBe(303);
  cat = (await t.db.selectFrom('forum_categories').select('id').where('name', '=', 'Entraide').executeTakeFirstOrThrow()).id;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t.close();
});

describe('reporting topics and replies', () => {
  it('shows Report on others’ topics and replies (never on one’s own, never to visitors) and takes the report with a snapshot', async () => {
    const id = await newTopic(c.author, 'Prêt de perceuse');
    const r = await reply(c.reader, id, 'Je peux prêter la mienne samedi.');
    const seen = (await c.reporter.get(`/t/${id}`)).text;
    expect(seen).toContain(`/report/topic/${id}`);
    expect(seen).toContain(`/report/topic_reply/${r}`);
    const own = (await c.reader.get(`/t/${id}`)).text;
    expect(own).not.toContain(`/report/topic_reply/${r}`);
    expect((await c.author.get(`/t/${id}`)).text).not.toContain(`/report/topic/${id}`);
    expect((await t.client().get(`/t/${id}`)).text).not.toContain('/report/');

    const form = await c.reporter.get(`/report/topic_reply/${r}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Je peux prêter la mienne samedi.');
    const caseId = await report(c.reporter, 'topic_reply', r, 'spam');
    // The author edits afterwards: the case keeps what was reported.
    expect((await submit(c.reader, `/replies/${r}/edit`, { body: 'Texte changé après coup.' })).status).toBe(303);
    const page = (await c.mod.get(`/moderation/cases/${caseId}`)).text;
    expect(page).toContain('Je peux prêter la mienne samedi.');
    expect(page).not.toContain('Vigie Forum');
    expect((await c.mod.get('/moderation')).text).toContain(`/moderation/cases/${caseId}"`);
    const topicCase = await report(c.reporter, 'topic', id, 'scam');
    const casePage = (await c.mod.get(`/moderation/cases/${topicCase}`)).text;
    expect(casePage).toContain('Prêt de perceuse');
    // Locking and moving are the forum's own tools, one link away.
    expect(casePage).toContain(`href="/t/${id}/moderate"`);
    expect((await c.mod.get(`/t/${id}/moderate`)).status).toBe(200);
  });

  it('refuses a report on one’s own reply, on a reply that does not exist, and on a hidden topic', async () => {
    const id = await newTopic(c.author, 'Sujet à cacher pour les signalements');
    const r = await reply(c.reader, id, 'Réponse de lecteur');
    expect((await c.reader.get(`/report/topic_reply/${r}`)).status).toBe(404);
    expect((await c.reporter.get('/report/topic_reply/999999999')).status).toBe(404);
    const caseId = await report(c.reporter, 'topic', id);
    expect((await act(caseId, 'hide')).status).toBe(303);
    expect((await c.reader.get(`/report/topic/${id}`)).status).toBe(404);
    expect((await c.reader.get(`/report/topic_reply/${r}`)).status).toBe(404);
  });
});

describe('hiding and deleting forum content', () => {
  it('a hidden reply leaves the page, its notifications and the live channel for everyone but its author, who is told why; shown again, it is back', async () => {
    const id = await newTopic(c.author, 'Jardin partagé');
    const readerS = await open(c.reader);
    await readerS.subscribe(`topic:${id}`);
    const r = await reply(c.blocked, id, 'Réponse désagréable à masquer');
    await readerS.next((m) => m.type === 'event' && m.el === `r-${r}` && m.op === 'upsert');
    expect(await notificationKinds(u.author.id)).toContain(`reply_topic:${id}:${r}`);
    expect((await c.author.get('/notifications')).text).toContain(`/t/${id}/r/${r}`);

    const caseId = await report(c.reporter, 'topic_reply', r);
    expect((await act(caseId, 'hide', 'propos blessants')).status).toBe(303);
    // The open page is told to drop it.
    expect(await readerS.next((m) => m.type === 'event' && m.el === `r-${r}`)).toMatchObject({ op: 'remove' });
    for (const viewer of [c.reader, c.mod, c.admin, t.client()]) {
      expect((await viewer.get(`/t/${id}`)).text).not.toContain('Réponse désagréable à masquer');
    }
    const authorView = (await c.blocked.get(`/t/${id}`)).text;
    expect(authorView).toContain('Réponse désagréable à masquer');
    expect(authorView).toContain('propos blessants');
    expect((await c.author.get('/notifications')).text).not.toContain(`/t/${id}/r/${r}`);
    expect((await c.reader.get(`/t/${id}?quote=${r}`)).text).not.toContain('Réponse désagréable à masquer');
    expect((await submit(c.reader, `/replies/${r}/like`)).status).toBe(404);

    expect((await act(caseId, 'unhide')).status).toBe(303);
    expect((await c.reader.get(`/t/${id}`)).text).toContain('Réponse désagréable à masquer');
    expect((await readerS.next((m) => m.type === 'event' && m.el === `r-${r}`)).op).toBe('upsert');
    expect((await c.author.get('/notifications')).text).toContain(`/t/${id}/r/${r}`);
  });

  it('deleting a reported reply removes it, fixes the reply count and keeps the snapshot in the case', async () => {
    const id = await newTopic(c.author, 'Sujet avec une réponse supprimée');
    const r = await reply(c.blocked, id, 'Arnaque à supprimer');
    const caseId = await report(c.reporter, 'topic_reply', r, 'scam');
    expect((await act(caseId, 'delete')).status).toBe(303);
    expect(await t.db.selectFrom('topic_replies').select('id').where('id', '=', r).executeTakeFirst()).toBeUndefined();
    expect((await t.db.selectFrom('topics').select(['reply_count', 'last_reply_id']).where('id', '=', id).executeTakeFirstOrThrow())).toMatchObject({ reply_count: 0, last_reply_id: null });
    expect((await c.mod.get(`/moderation/cases/${caseId}`)).text).toContain('Arnaque à supprimer');
    const audit = await t.db.selectFrom('audit_events').select(['action', 'target_user_id']).where('action', '=', 'moderation.content_deleted').execute();
    expect(audit.some((a) => a.target_user_id === u.blocked.id)).toBe(true);
  });

  it('a hidden topic answers 404 to everyone but its author and leaves every list (category, discussions, feed)', async () => {
    await submit(c.reader, `/c/${cat}/follow`);
    const id = await newTopic(c.author, 'Sujet signalé et masqué');
    expect((await c.reader.get('/')).text).toContain(`/t/${id}"`);
    const caseId = await report(c.reporter, 'topic', id, 'misinformation');
    expect((await act(caseId, 'hide', 'information fausse')).status).toBe(303);
    for (const viewer of [c.reader, c.mod, t.client()]) expect((await viewer.get(`/t/${id}`)).status).toBe(404);
    const own = await c.author.get(`/t/${id}`);
    expect(own.status).toBe(200);
    expect(own.text).toContain('information fausse');
    for (const path of [`/c/${cat}`, '/discussions', '/discussions?filter=unanswered', '/']) {
      expect((await c.reader.get(path)).text, path).not.toContain(`/t/${id}"`);
    }
    expect((await t.client().get('/discussions')).text).not.toContain(`/t/${id}"`);
    expect((await submit(c.reader, `/t/${id}/replies`, { body: 'Je réponds quand même' })).status).toBe(404);
    expect((await act(caseId, 'unhide')).status).toBe(303);
    expect((await c.reader.get(`/t/${id}`)).status).toBe(200);
    expect((await c.reader.get('/discussions')).text).toContain(`/t/${id}"`);
  });
});

describe('blocks and mutes in the forum', () => {
  it('a block hides each one’s topics and replies from the other, refuses replies and likes across it, and stops their notifications', async () => {
    const theirs = await newTopic(c.blocker, 'Sujet de la personne qui bloque');
    const open1 = await newTopic(c.author, 'Sujet ouvert à tous');
    const before = await reply(c.blocked, open1, 'Réponse écrite avant le blocage');
    expect((await submit(c.blocker, '/@mf_blocked/block', { kind: 'block' })).status).toBe(303);

    // The blocked member no longer sees the blocker's topic, anywhere, and cannot answer it.
    expect((await c.blocked.get(`/t/${theirs}`)).status).toBe(404);
    expect((await c.blocked.get('/discussions')).text).not.toContain(`/t/${theirs}"`);
    expect((await c.blocked.get(`/c/${cat}`)).text).not.toContain(`/t/${theirs}"`);
    expect((await submit(c.blocked, `/t/${theirs}/replies`, { body: 'Je tente quand même' })).status).toBe(404);
    // The blocker no longer sees the blocked member's replies in others' topics.
    expect((await c.blocker.get(`/t/${open1}`)).text).not.toContain('Réponse écrite avant le blocage');
    expect((await c.reader.get(`/t/${open1}`)).text).toContain('Réponse écrite avant le blocage');
    const mine = await reply(c.blocker, open1, 'Réponse de la personne qui bloque');
    expect((await submit(c.blocked, `/replies/${mine}/like`)).status).toBe(404);
    expect((await submit(c.blocker, `/replies/${before}/like`)).status).toBe(404);

    // Mentions and followed-topic replies do not cross the block.
    await submit(c.blocker, `/t/${open1}/follow`);
    const mention = await reply(c.blocked, open1, 'Coucou @mf_blocker, tu viens ?');
    expect((await notificationKinds(u.blocker.id)).filter((k) => k.endsWith(`:${mention}`))).toEqual([]);
    expect((await c.blocker.get('/notifications')).text).not.toContain(`/r/${mention}`);

    // The topic channel: refused to the blocked member, and the blocked member's reply goes to the blocker as a removal.
    expect(await (await open(c.blocked)).subscribe(`topic:${theirs}`)).toMatchObject({ type: 'refused' });
    const blockerS = await open(c.blocker);
    const readerS = await open(c.reader);
    await blockerS.subscribe(`topic:${open1}`);
    await readerS.subscribe(`topic:${open1}`);
    const live = await reply(c.blocked, open1, 'Nouvelle réponse en direct du membre bloqué');
    expect((await readerS.next((m) => m.type === 'event' && m.el === `r-${live}`)).op).toBe('upsert');
    const toBlocker = await blockerS.next((m: LiveMessage) => m.type === 'event' && m.el === `r-${live}`);
    expect(toBlocker.op).toBe('remove');
    expect(JSON.stringify(toBlocker)).not.toContain('Nouvelle réponse en direct');

    expect((await submit(c.blocker, '/@mf_blocked/unblock')).status).toBe(303);
    expect((await c.blocked.get(`/t/${theirs}`)).status).toBe(200);
    expect((await c.blocker.get(`/t/${open1}`)).text).toContain('Réponse écrite avant le blocage');
  });

  it('a mute hides the muted member’s topics and replies from the muter only', async () => {
    const topic = await newTopic(c.author, 'Sujet d’une personne masquée');
    const r = await reply(c.author, topic, 'Réponse de la personne masquée');
    expect((await submit(c.reader, '/@mf_author/block', { kind: 'mute' })).status).toBe(303);
    expect((await c.reader.get('/discussions')).text).not.toContain(`/t/${topic}"`);
    expect((await c.reader.get(`/t/${topic}`)).status).toBe(404);
    expect((await c.reporter.get(`/t/${topic}`)).text).toContain('Réponse de la personne masquée');
    // The muted member still sees the muter's writing and may answer it.
    const back = await newTopic(c.reader, 'Sujet du membre qui masque');
    expect((await c.author.get(`/t/${back}`)).status).toBe(200);
    expect(r).toBeGreaterThan(0);
    expect((await submit(c.reader, '/@mf_author/unblock')).status).toBe(303);
  });
});

async function post(cl: Client, handle: string, body: string): Promise<number> {
  const res = await cl.submitMultipart(`/@${handle}/posts`, { body, visibility: 'public' }, {}, { csrf: await cl.token() });
  expect(res.status, res.text.slice(0, 300)).toBe(303);
  return Number(/#post-(\d+)/.exec(res.headers.location!)![1]);
}

describe('the home feed and its live channel', () => {
  it('a hidden post leaves followers’ feeds and the visitors’ home; its author still sees it, with the reason', async () => {
    expect((await submit(c.reporter, '/@mf_author/follow')).status).toBe(303);
    const id = await post(c.author, 'mf_author', 'Publication du fil à masquer');
    expect((await c.reporter.get('/')).text).toContain(`id="post-${id}"`);
    expect((await t.client().get('/')).text).toContain(`id="post-${id}"`);
    const caseId = await report(c.reader, 'post', id, 'spam');
    expect((await act(caseId, 'hide', 'publicité')).status).toBe(303);
    expect((await c.reporter.get('/')).text).not.toContain(`id="post-${id}"`);
    expect((await t.client().get('/')).text).not.toContain(`id="post-${id}"`);
    const own = (await c.author.get('/')).text;
    expect(own).toContain(`id="post-${id}"`);
    expect(own).toContain('publicité');
  });

  it('across a block, posts that came by a followed hashtag leave the feed, and the feed channel does not announce new ones', async () => {
    expect((await submit(c.blocker, '/tags/potager/follow')).status).toBe(303);
    const early = await post(c.blocked, 'mf_blocked', 'Mes tomates #potager');
    expect((await c.blocker.get('/')).text).toContain(`id="post-${early}"`);
    expect((await submit(c.blocker, '/@mf_blocked/block', { kind: 'block' })).status).toBe(303);
    expect((await c.blocker.get('/')).text).not.toContain(`id="post-${early}"`);
    const feedS = await open(c.blocker);
    expect((await feedS.subscribe(`feed:${u.blocker.id}`)).type).toBe('synced');
    const later = await post(c.blocked, 'mf_blocked', 'Encore des courgettes #potager');
    const other = await post(c.reader, 'mf_reader', 'Mes radis #potager');
    // The reader's post is announced; the blocked member's, written before it, never is.
    await feedS.next((m) => m.type === 'event' && m.post === other);
    expect(feedS.events(`feed:${u.blocker.id}`).some((m) => m.post === later)).toBe(false);
    expect((await c.blocker.get('/')).text).not.toContain(`id="post-${later}"`);
    expect((await submit(c.blocker, '/@mf_blocked/unblock')).status).toBe(303);
  });
});

describe('blocks on the post channel', () => {
  it('a blocked member may not follow the blocker’s post, and their comments under others’ posts reach the blocker as removals', async () => {
    const theirs = await post(c.blocker, 'mf_blocker', 'Publication de la personne qui bloque');
    const third = await post(c.reader, 'mf_reader', 'Publication d’une tierce personne');
    expect((await submit(c.blocker, '/@mf_blocked/block', { kind: 'block' })).status).toBe(303);
    expect(await (await open(c.blocked)).subscribe(`post:${theirs}`)).toMatchObject({ type: 'refused' });
    const blockerS = await open(c.blocker);
    const readerS = await open(c.reader);
    await blockerS.subscribe(`post:${third}`);
    await readerS.subscribe(`post:${third}`);
    const res = await submit(c.blocked, `/posts/${third}/comments`, { body: 'Commentaire du membre bloqué en direct' });
    const commentId = Number(/#comment-(\d+)/.exec(res.headers.location!)![1]);
    expect((await readerS.next((m) => m.type === 'event' && m.el === `comment-${commentId}`)).op).toBe('upsert');
    const toBlocker = await blockerS.next((m) => m.type === 'event' && m.el === `comment-${commentId}`);
    expect(toBlocker.op).toBe('remove');
    expect(JSON.stringify(toBlocker)).not.toContain('Commentaire du membre bloqué');
    expect((await c.blocker.get(`/posts/${third}`)).text).not.toContain('Commentaire du membre bloqué');
    expect((await submit(c.blocker, '/@mf_blocked/unblock')).status).toBe(303);
  });
});

describe('screening forum writing', () => {
  it('watched words block a reply with the text kept, replace words in titles and bodies, and flag to the queue', async () => {
    expect((await submit(c.admin, '/admin/moderation/words', { pattern: 'arnaquezmoi', action: 'block' })).status).toBe(303);
    expect((await submit(c.admin, '/admin/moderation/words', { pattern: 'zut', action: 'replace', replacement: '***' })).status).toBe(303);
    expect((await submit(c.admin, '/admin/moderation/words', { pattern: 'virement', action: 'flag' })).status).toBe(303);
    const id = await newTopic(c.author, 'Zut alors, une question', 'Zut, qui a une échelle ?');
    const row = await t.db.selectFrom('topics').select(['title', 'body']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ title: '*** alors, une question', body: '***, qui a une échelle ?' });

    const refused = await submit(c.reader, `/t/${id}/replies`, { body: 'Texte avec arnaquezmoi dedans' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Texte avec arnaquezmoi dedans');
    expect(await t.db.selectFrom('topic_replies').select('id').where('body', 'like', '%arnaquezmoi%').executeTakeFirst()).toBeUndefined();

    const flagged = await reply(c.reader, id, 'Je peux faire un virement pour la location');
    const flagCase = await t.db.selectFrom('moderation_cases').selectAll().where('target_kind', '=', 'topic_reply').where('target_id', '=', flagged).where('origin', '=', 'flag').executeTakeFirst();
    expect(flagCase).toBeDefined();
    expect((await c.reporter.get(`/t/${id}`)).text).toContain('Je peux faire un virement');
  });

  it('new members wait between writings and may not post links in the forum either', async () => {
    expect((await submit(c.admin, '/admin/moderation/safety', { newMemberDays: '7', newMemberMinSeconds: '600', newMemberNoLinks: 'true', newMemberHeldPosts: '0' })).status).toBe(303);
    const settings = await t.db.selectFrom('moderation_settings').selectAll().executeTakeFirstOrThrow();
    expect(settings).toMatchObject({ new_member_days: 7, new_member_min_seconds: 600, new_member_no_links: true });
    const withLink = await submit(c.newbie, `/c/${cat}/topics`, { title: 'Mon site', body: 'Voyez https://exemple.org' });
    expect(withLink.status).toBe(422);
    expect(withLink.text).toContain('Voyez https://exemple.org');
    const id = await newTopic(c.newbie, 'Bonjour à toutes et tous', 'Je viens d’arriver dans le quartier.');
    const tooSoon = await submit(c.newbie, `/t/${id}/replies`, { body: 'Et encore un message' });
    expect(tooSoon.status).toBe(422);
    expect(tooSoon.text).toContain('Et encore un message');
    // Long-standing members are not concerned.
    await reply(c.reader, id, 'Bienvenue !');
    await submit(c.admin, '/admin/moderation/safety', { newMemberDays: '0', newMemberMinSeconds: '0', newMemberHeldPosts: '0' });
  });
});

describe('the moderators’ live count and suspensions', () => {
  it('the queue count reaches moderators’ sockets when a report comes in; members may not follow it', async () => {
    expect(await (await open(c.reader)).subscribe('moderation:1')).toMatchObject({ type: 'refused' });
    expect(await (await open()).subscribe('moderation:1')).toMatchObject({ type: 'refused' });
    const modS = await open(c.mod);
    expect((await modS.subscribe('moderation:1')).type).toBe('synced');
    const id = await newTopic(c.author, 'Sujet pour le compteur');
    await report(c.reporter, 'topic', id);
    const open_ = Number((await t.db.selectFrom('moderation_cases').select((eb) => eb.fn.countAll().as('n')).where('state', 'in', ['open', 'in_progress']).executeTakeFirstOrThrow()).n);
    expect(await modS.next((m) => m.type === 'event' && m.ch === 'moderation:1' && m.count === open_)).toMatchObject({ op: 'count', el: 'moderation-count' });
  });

  it('a moderator demoted while their socket is open stops receiving the queue count', async () => {
    const former = await createUser(t.db, { handle: 'mf_former_mod', role: 'moderator' });
    const formerS = await open(await t.loggedIn(former.handle));
    expect((await formerS.subscribe('moderation:1')).type).toBe('synced');
    await t.app.services.roles.setRole(former.handle, 'member');
    // The role change reaches the socket over the bus (sessionsChanged); the next queue event
    // finds a member, not a moderator, and the subscription is withdrawn.
    const id = await newTopic(c.author, 'Sujet après la rétrogradation');
    await report(c.reporter, 'topic', id);
    expect(await formerS.next((m) => m.ch === 'moderation:1' && (m.type === 'revoked' || m.type === 'event'))).toMatchObject({ type: 'revoked' });
  });

  it('a suspension closes the member’s sockets at once', async () => {
    const target = await createUser(t.db, { handle: 'mf_suspended' });
    const targetC = await t.loggedIn(target.handle);
    const s = await open(targetC);
    expect((await s.subscribe(`user:${target.id}`)).type).toBe('synced');
    expect((await submit(c.mod, '/moderation/members/mf_suspended/sanctions', { kind: 'suspension', duration: '7d', reason: 'menaces' })).status).toBe(303);
    const closed = await Promise.race([s.closed, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
    expect(closed).toMatchObject({ code: 4401 });
  });
});
