// The live endpoint on one instance: who may open it and follow what, what travels (the page's
// own partials, per viewer), limits and bad frames, catch-up after a reconnect without
// duplicates, sessions ending, and a post becoming private while people watch it.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser, PASSWORD } from '../support/factories.ts';
import { onPostgres } from '../support/database.ts';
import { insertComment } from '../../server/repos/comments.ts';
import { recordLiveEvents } from '../../server/repos/live-events.ts';
import { LiveClient, type LiveMessage } from '../support/live.ts';
import type { User } from '../../server/db/schema.ts';
import { idFrom } from '../support/social.ts';
import { translator } from '../../server/i18n/index.ts';

let t: TestApp;
let alice: User;
let aliceC: Client;
let bobC: Client;
let carolC: Client;
const sockets: LiveClient[] = [];

async function open(client?: Client, opts: { origin?: string | null } = {}) {
  const s = await LiveClient.open(t.origin, { ...(client ? { client } : {}), ...opts });
  sockets.push(s);
  return s;
}
async function newPost(body: string, visibility = 'public'): Promise<number> {
  return idFrom(await aliceC.submitMultipart('/@lv_alice/posts', { body, visibility }, {}, { csrf: await aliceC.token() }), 'post');
}
async function comment(c: Client, postId: number, body: string, parentId?: number): Promise<number> {
  return idFrom(await c.submit(`/posts/${postId}/comments`, { body, ...(parentId ? { parentId: String(parentId) } : {}) }, { csrf: await c.token() }), 'comment');
}
const isEventFor = (el: string) => (m: LiveMessage) => m.type === 'event' && m.el === el;

beforeAll(async () => {
  t = await createTestApp({});
  alice = await createUser(t.db, { handle: 'lv_alice', displayName: 'Alice Live' });
  await createUser(t.db, { handle: 'lv_bob', displayName: 'Bob Live' });
  await createUser(t.db, { handle: 'lv_carol', displayName: 'Carol Live' });
  aliceC = await t.loggedIn('lv_alice');
  bobC = await t.loggedIn('lv_bob');
  carolC = await t.loggedIn('lv_carol');
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t.close();
});

describe('opening the socket', () => {
  it('refuses the handshake from another origin, before any upgrade', async () => {
    const s = new LiveClient(t.origin, { client: bobC, origin: 'https://evil.example' });
    await expect(s.opened).rejects.toThrow();
    const plain = await t.client().get('/live').set('origin', 'https://evil.example').set('connection', 'Upgrade').set('upgrade', 'websocket').set('sec-websocket-version', '13').set('sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ==');
    expect(plain.status).toBe(403);
  });

  it('refuses the handshake without an Origin', async () => {
    const s = new LiveClient(t.origin, { client: bobC, origin: null });
    await expect(s.opened).rejects.toThrow();
  });

  it('lets a signed-out visitor follow a public post but not a members-only one', async () => {
    const pub = await newPost('Public, ouvert à tous');
    const members = await newPost('Réservé aux membres', 'members');
    const s = await open();
    expect((await s.subscribe(`post:${pub}`)).type).toBe('synced');
    expect(await s.subscribe(`post:${members}`)).toMatchObject({ type: 'refused', reason: 'not_found' });
    expect(await s.subscribe('post:999999999')).toMatchObject({ type: 'refused', reason: 'not_found' });
  });

  it("refuses another member's notifications channel and unknown channels", async () => {
    const s = await open(bobC);
    expect(await s.subscribe(`user:${alice.id}`)).toMatchObject({ type: 'refused', reason: 'not_found' });
    expect(await s.subscribe('nope:1')).toMatchObject({ type: 'refused', reason: 'unknown' });
    expect(await s.subscribe('post:abc')).toMatchObject({ type: 'refused', reason: 'unknown' });
  });
});

describe('what travels', () => {
  it("pushes a new comment rendered by the page's partial, with the viewer's own actions and CSRF token", async () => {
    const postId = await newPost('On se retrouve au jardin ?');
    const bob = await open(bobC);
    const anon = await open();
    await bob.subscribe(`post:${postId}`);
    await anon.subscribe(`post:${postId}`);
    const id = await comment(bobC, postId, 'Oui, samedi **matin**');
    const seenByBob = await bob.next(isEventFor(`comment-${id}`));
    const seenByAnon = await anon.next(isEventFor(`comment-${id}`));
    expect(seenByBob).toMatchObject({ op: 'upsert', parent: null });
    expect(typeof seenByBob.ev).toBe('number');
    // The same HTML as the page shows Bob (his CSRF token differs per page: compare without it).
    const page = await bobC.get(`/posts/${postId}`);
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, '');
    const li = new RegExp(`<li class="comment" id="comment-${id}">[\\s\\S]*?</li>`).exec(page.text)![0];
    expect(strip(String(seenByBob.html))).toContain(strip(li).slice(0, 200));
    expect(String(seenByBob.html)).toContain('<strong>matin</strong>');
    expect(String(seenByBob.html)).toContain(`/comments/${id}/edit`);
    expect(String(seenByBob.html)).toMatch(/name="_csrf" value="[^"]+"/);
    // The visitor gets neither the edit link nor a form.
    expect(String(seenByAnon.html)).not.toContain(`/comments/${id}/edit`);
    expect(String(seenByAnon.html)).not.toContain('<form');
  });

  it('subscribers who see a comment alike share one rendering, each with their own working CSRF token', async () => {
    const postId = await newPost('Qui vient trier les graines ?');
    const carol = await open(carolC);
    const bob = await open(bobC);
    await carol.subscribe(`post:${postId}`);
    await bob.subscribe(`post:${postId}`);
    const id = await comment(aliceC, postId, 'Moi, dimanche');
    const forCarol = String((await carol.next(isEventFor(`comment-${id}`))).html);
    const forBob = String((await bob.next(isEventFor(`comment-${id}`))).html);
    const tokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    expect(tokenOf(forCarol)).not.toBe(tokenOf(forBob));
    expect(forCarol.replaceAll(tokenOf(forCarol), 'T')).toBe(forBob.replaceAll(tokenOf(forBob), 'T'));
    expect(forCarol).not.toContain('csrf-slot-');
    // The pushed like form works as it is for Carol.
    const liked = await carolC.submit(`/comments/${id}/like`, { next: `/posts/${postId}` }, { csrf: tokenOf(forCarol) });
    expect(liked.status).toBe(303);
  });

  it('pushes replies under their parent, edits, likes and deletions', async () => {
    const postId = await newPost('Un fil de discussion');
    const top = await comment(bobC, postId, 'Premier');
    const s = await open(carolC);
    await s.subscribe(`post:${postId}`);
    const reply = await comment(aliceC, postId, 'Une réponse', top);
    expect(await s.next(isEventFor(`comment-${reply}`))).toMatchObject({ parent: `comment-${top}` });
    await bobC.submit(`/comments/${top}/edit`, { body: 'Premier, corrigé' }, { csrf: await bobC.token() });
    expect(String((await s.next(isEventFor(`comment-${top}`))).html)).toContain('Premier, corrigé');
    await aliceC.submit(`/comments/${top}/like`, { next: '/' }, { csrf: await aliceC.token() });
    expect(String((await s.next(isEventFor(`comment-${top}`))).html)).toMatch(/1 j’aime/);
    await bobC.submit(`/comments/${top}/delete`, {}, { csrf: await bobC.token() });
    expect(await s.next(isEventFor(`comment-${top}`))).toMatchObject({ op: 'remove' });
  });

  it("pushes the unread count to the member's own channel, with the notification", async () => {
    const postId = await newPost('Qui a des graines ?');
    const s = await open(aliceC);
    expect((await s.subscribe(`user:${alice.id}`)).type).toBe('synced');
    await comment(bobC, postId, 'Moi, des radis');
    const m = await s.next((x) => x.type === 'event' && x.op === 'unread' && typeof x.html === 'string');
    expect(m.count).toBeGreaterThanOrEqual(1);
    expect(String(m.html)).toContain('a commenté votre publication');
    await aliceC.submit('/notifications/read', {}, { csrf: await aliceC.token() });
    expect(await s.next((x) => x.type === 'event' && x.op === 'unread' && x.count === 0)).toBeTruthy();
  });
});

describe('limits and bad frames', () => {
  it('refuses subscriptions beyond the limit without closing the socket', async () => {
    const postId = await newPost('Beaucoup de monde');
    const s = await open(bobC);
    const max = t.app.live.hub.options.maxSubscriptions;
    const ids = [postId];
    for (let i = 1; i < max; i++) ids.push(await newPost(`Publication ${i}`));
    for (const id of ids) expect((await s.subscribe(`post:${id}`)).type).toBe('synced');
    const extra = await newPost('Une de trop');
    expect(await s.subscribe(`post:${extra}`)).toMatchObject({ type: 'refused', reason: 'limit' });
    s.send({ type: 'ping' });
    expect(await s.next((m) => m.type === 'pong')).toBeTruthy();
  });

  it.each([
    ['not JSON', '{nope'],
    ['an unknown type', JSON.stringify({ type: 'shout', ch: 'post:1' })],
    ['extra fields', JSON.stringify({ type: 'sub', ch: 'post:1', admin: true })],
    ['a bad since', JSON.stringify({ type: 'sub', ch: 'post:1', since: 'yesterday' })],
    ['an array', '[]'],
  ])('closes the socket with 4400 on %s, and only that socket', async (_what, frame) => {
    const other = await open(bobC);
    const s = await open(bobC);
    s.send(frame);
    expect(await s.closed).toMatchObject({ code: 4400 });
    other.send({ type: 'ping' });
    expect(await other.next((m) => m.type === 'pong')).toBeTruthy();
  });

  it('closes the socket with 1009 on an oversized frame', async () => {
    const s = await open(bobC);
    s.send(JSON.stringify({ type: 'sub', ch: 'x'.repeat(10_000) }));
    expect((await s.closed).code).toBe(1009);
  });

  it('closes the socket with 4429 when it sends too many messages', async () => {
    const s = await open(bobC);
    for (let i = 0; i < t.app.live.hub.options.burst + 5; i++) s.send({ type: 'ping' });
    expect((await s.closed).code).toBe(4429);
  });
});

describe('heartbeat', () => {
  it('drops a socket that stops answering pings and keeps one that answers', async () => {
    const hub = t.app.live.hub;
    const before = hub.options.heartbeatMs;
    hub.options.heartbeatMs = 500; // long enough for a loaded machine to answer, short enough for the test
    hub.retime();
    try {
      const healthy = await open(bobC);
      // A client that completes the handshake and then never answers (a phone that lost its network).
      const port = new URL(t.origin).port;
      const dead = net.connect(Number(port), '127.0.0.1');
      const upgraded = new Promise<void>((resolve) => dead.once('data', (d) => (String(d).startsWith('HTTP/1.1 101') ? resolve() : undefined)));
      const ended = new Promise<void>((resolve) => dead.on('close', () => resolve()));
      dead.write(
        `GET /live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: ${t.origin}\r\n\r\n`,
      );
      await upgraded;
      await ended;
      healthy.send({ type: 'ping' });
      expect(await healthy.next((m) => m.type === 'pong')).toBeTruthy();
    } finally {
      hub.options.heartbeatMs = before;
      hub.retime();
    }
  });
});

describe('catch-up after a reconnect', () => {
  it('sends what was written while the socket was down, once', async () => {
    const postId = await newPost('Reconnexions');
    const first = await open(bobC);
    await first.subscribe(`post:${postId}`, Date.now());
    const a = await comment(aliceC, postId, 'Avant la coupure');
    const seen = await first.next(isEventFor(`comment-${a}`));
    first.close();
    await first.closed;
    const b = await comment(aliceC, postId, 'Pendant la coupure');
    const c = await comment(aliceC, postId, 'Toujours pendant la coupure');
    // The script reconnects asking from the time of the last event it saw.
    const again = await open(bobC);
    await again.subscribe(`post:${postId}`, Number(seen.at));
    const events = again.events(`post:${postId}`);
    const els = events.map((e) => e.el);
    expect(els).toContain(`comment-${b}`);
    expect(els).toContain(`comment-${c}`);
    // Reaching back a window repeats the event already seen, with the same id: the script drops it.
    const repeated = events.filter((e) => e.el === `comment-${a}`);
    expect(repeated.every((e) => e.ev === seen.ev)).toBe(true);
    expect(new Set(events.map((e) => e.ev)).size).toBe(events.length);
  });
});

// Postgres only (CI's second pass runs it): the embedded database is one connection inside one
// process, so it can neither be shared by two server instances nor hold two transactions at once.
describe.skipIf(!onPostgres())('catch-up and commit order (Postgres: two transactions at once)', () => {
  it('catches up a comment whose id came first but whose transaction committed after the last event seen', async () => {
    const postId = await newPost('Ordre des commits');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let slowId = 0;
    let idTaken!: () => void;
    const taken = new Promise<void>((r) => (idTaken = r));
    // A slow writer takes its comment and event ids first, then waits before committing.
    const slow = t.db.transaction().execute(async (trx) => {
      const c = await insertComment(trx, { postId, parentId: null, authorId: alice.id, body: 'Lente', bodyHtml: '<p>Lente</p>' });
      slowId = c.id;
      await recordLiveEvents(trx, [{ channel: `post:${postId}`, kind: 'comment', subjectId: c.id }]);
      idTaken();
      await gate;
    });
    await taken;
    const s = await open(bobC);
    await s.subscribe(`post:${postId}`, Date.now());
    const fast = await comment(aliceC, postId, 'Rapide');
    const seen = await s.next(isEventFor(`comment-${fast}`));
    expect(fast).toBeGreaterThan(slowId);
    s.close();
    await s.closed;
    release();
    await slow;
    // "Everything after the last id seen" would miss the slow one; the window does not.
    const again = await open(bobC);
    await again.subscribe(`post:${postId}`, Number(seen.at));
    expect(again.events(`post:${postId}`).map((e) => e.el)).toContain(`comment-${slowId}`);
  });
});

describe('sessions ending', () => {
  it('closes the sockets of a session when its member logs out, and not the others', async () => {
    const dave = await createUser(t.db, { handle: 'lv_dave' });
    const daveC = await t.loggedIn('lv_dave');
    const otherDevice = await t.loggedIn('lv_dave');
    const s = await open(daveC);
    await s.subscribe(`user:${dave.id}`);
    const kept = await open(otherDevice);
    await daveC.submit('/logout', {}, { csrf: await daveC.token() });
    expect(await s.closed).toMatchObject({ code: 4401 });
    kept.send({ type: 'ping' });
    expect(await kept.next((m) => m.type === 'pong')).toBeTruthy();
  });

  it('closes the sockets of a session revoked from another device', async () => {
    const erin = await createUser(t.db, { handle: 'lv_erin' });
    const phone = await t.loggedIn('lv_erin');
    const laptop = await t.loggedIn('lv_erin');
    const s = await open(phone);
    const first = await t.db.selectFrom('sessions').select('id').where('user_id', '=', erin.id).orderBy('created_at').orderBy('id').execute();
    // The phone signed in first; if both rows share a millisecond, revoke both from the laptop's side.
    const res = await laptop.submit('/account/sessions/revoke', { id: first[0]!.id }, { csrf: await laptop.token() });
    expect(res.status).toBe(303);
    if ((await phone.get('/account')).status === 200) await laptop.submit('/account/sessions/revoke', { id: first[1]!.id }, { csrf: await laptop.token() });
    expect(await s.closed).toMatchObject({ code: 4401 });
  });

  it('closes every socket of a member who changes their password', async () => {
    await createUser(t.db, { handle: 'lv_fred' });
    const fredC = await t.loggedIn('lv_fred');
    const other = await t.loggedIn('lv_fred');
    const s = await open(other);
    const res = await fredC.submit('/account/password', { currentPassword: PASSWORD, newPassword: 'un-nouveau-mot-de-passe-solide', newPasswordConfirm: 'un-nouveau-mot-de-passe-solide' }, { csrf: await fredC.token() });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    expect(await s.closed).toMatchObject({ code: 4401 });
  });
});

describe('visibility changes', () => {
  it('stops sending to a subscriber who may no longer see the post, and keeps the author', async () => {
    const postId = await newPost('Bientôt privé', 'members');
    const carol = await open(carolC);
    const author = await open(aliceC);
    await carol.subscribe(`post:${postId}`);
    await author.subscribe(`post:${postId}`);
    await aliceC.submit(`/posts/${postId}/edit`, { body: 'Maintenant privé', visibility: 'mentioned' }, { csrf: await aliceC.token() });
    expect(await carol.next((m) => m.type === 'revoked')).toMatchObject({ ch: `post:${postId}` });
    const secret = await comment(aliceC, postId, 'Un secret');
    await author.next(isEventFor(`comment-${secret}`));
    expect(carol.received.some((m) => m.el === `comment-${secret}`)).toBe(false);
    // A new subscription is refused too.
    const again = await open(carolC);
    expect(await again.subscribe(`post:${postId}`)).toMatchObject({ type: 'refused' });
  });
});

describe('what the pages mark for the script', () => {
  /** Every channel a page names (data-live), which static/js/live.js subscribes to. */
  const channelsOf = (html: string) => [...html.matchAll(/\sdata-live="([^"]*)"/g)].map((m) => m[1]!);

  it("names only channels the viewer may follow, on the review queue and a post's pages", async () => {
    await createUser(t.db, { handle: 'lv_mod', displayName: 'Modo Live', role: 'moderator' });
    const modC = await t.loggedIn('lv_mod');
    const postId = await newPost('Une page de commentaires');
    const pages = [await modC.get('/moderation'), await modC.get(`/posts/${postId}`)];
    for (const page of pages) expect(page.status).toBe(200);
    const channels = new Set(pages.flatMap((page) => channelsOf(page.text)));
    expect([...channels]).toEqual(expect.arrayContaining(['moderation:1', `post:${postId}`]));
    const s = await open(modC);
    for (const ch of channels) expect(await s.subscribe(ch)).toMatchObject({ type: 'synced', ch });
    // The queue's heading shows the same count as the header, updated by the same `count` op.
    expect(pages[0]!.text).toMatch(/<h1>[^<]*<span class="badge badge--count" data-live-count="moderation-count">\d+<\/span><\/h1>/);
  });

  it('gives an earlier page of comments the hidden notice live comments show, and not the last page', async () => {
    const postId = await newPost('Une longue discussion');
    for (let i = 0; i < 50; i++) await insertComment(t.db, { postId, parentId: null, authorId: alice.id, body: `Ancien ${i}`, bodyHtml: `<p>Ancien ${i}</p>` });
    await comment(bobC, postId, 'Le cinquante et unième');
    const first = await carolC.get(`/posts/${postId}`);
    expect(first.text).toContain('data-live-append="false"');
    const notice = /<p class="notice" data-live-more hidden><a href="([^"]+)">([^<]+)<\/a><\/p>/.exec(first.text);
    expect(notice?.[2]).toBe(translator('fr')('notifications.live.newComments'));
    // It leads where the "more" link does.
    expect(notice?.[1]).toMatch(new RegExp(`^/posts/${postId}\\?after=[^"#]+#comments$`));
    expect(first.text).toContain(`<a href="${notice![1]}">${translator('fr')('pagination.more')}</a>`);
    const last = await carolC.get(notice![1]!.replace(/#.*$/, ''));
    expect(last.text).toContain('Le cinquante et unième');
    expect(last.text).not.toContain('data-live-more');
    expect(last.text).not.toContain('data-live-append="false"');
  });
});

describe('housekeeping', () => {
  it('drops live events older than a day and keeps the recent ones that catch-up reads', async () => {
    const dayAgo = new Date(Date.now() - 86_400_000 - 60_000);
    const [old, recent] = await t.db
      .insertInto('live_events')
      .values([
        { channel: 'post:999999', kind: 'comment', subject_id: 1, created_at: dayAgo },
        { channel: 'post:999999', kind: 'comment', subject_id: 2 },
      ])
      .returning('id')
      .execute();
    await t.app.services.maintenance.purgeExpired();
    const left = (await t.db.selectFrom('live_events').select('id').where('id', 'in', [old!.id, recent!.id]).execute()).map((r) => r.id);
    expect(left).toEqual([recent!.id]);
  });
});
