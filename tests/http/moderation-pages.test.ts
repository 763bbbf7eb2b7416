// What moderation pages show that a refactor could change without failing another test: a
// sign-up waiting for approval reads the same on the queue and on the pending page, and each
// sends the moderator back where they decided; the queue's heading shows the header's count; a
// sanction's end date reads like every other date on the site, in the reader's language (also on
// the page a suspended member is held on); the member forms answer "not found" for an unknown handle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { msg } from '../support/html.ts';
import { formatDate } from '../../server/view-helpers/helpers.ts';
import { translator } from '../../server/i18n/index.ts';
import Handlebars from 'handlebars';
import type { User } from '../../server/db/schema.ts';

let t: TestApp;
let modC: Client;

const submit = async (c: Client, path: string, fields: Record<string, string> = {}) => c.submit(path, fields, { csrf: await c.token() });
const endsAt = async (user: User) => (await t.db.selectFrom('moderation_sanctions').select('ends_at').where('user_id', '=', user.id).executeTakeFirstOrThrow()).ends_at!;

beforeAll(async () => {
  t = await createTestApp();
  const mod = await createUser(t.db, { handle: 'mp_mod', role: 'moderator' });
  modC = await t.loggedIn(mod.handle);
});
afterAll(async () => t.close());

describe('pending sign-ups', () => {
  it('shows the same card on the queue and the pending page, each deciding back to its own page', async () => {
    const waiting = await createUser(t.db, { handle: 'mp_waiting', displayName: 'Personne En Attente', status: 'pending' });
    const other = await createUser(t.db, { handle: 'mp_waiting2', status: 'pending' });
    const queue = (await modC.get('/moderation')).text;
    const list = (await modC.get('/moderation/pending')).text;
    for (const page of [queue, list]) {
      expect(page).toContain('Personne En Attente <span class="muted">@mp_waiting</span>');
      expect(page).toContain(`action="/moderation/pending/${waiting.id}/approve"`);
      expect(page).toContain(`action="/moderation/pending/${waiting.id}/reject"`);
      expect(page).toContain('mp_waiting@example.org');
    }
    expect(queue).toContain('<input type="hidden" name="next" value="/moderation">');
    expect(list).not.toContain('name="next" value="/moderation"');
    expect((await submit(modC, `/moderation/pending/${waiting.id}/approve`, { next: '/moderation' })).headers.location).toBe('/moderation?notice=accountApproved');
    expect((await submit(modC, `/moderation/pending/${other.id}/reject`)).headers.location).toBe('/moderation/pending?notice=accountRejected');
  });
});

describe('the queue', () => {
  it("shows in its heading the header's count of cases to handle", async () => {
    const page = (await modC.get('/moderation')).text;
    const header = /id="moderation-count"[^>]*>[^<]*(?:<span class="badge badge--count">(\d+)<)?/.exec(page)!;
    const heading = /data-live-count="moderation-count">(\d*)<\/span>/.exec(page)!;
    expect(heading[1]).toBe(header[1] ?? '0');
    const open = await t.db.selectFrom('moderation_cases').select((eb) => eb.fn.countAll<number>().as('n')).where('state', 'in', ['open', 'in_progress']).executeTakeFirstOrThrow();
    expect(heading[1]).toBe(String(Number(open.n)));
  });
});

describe("a sanction's end date", () => {
  it('reads like the other dates, on the member page, the case page and the sanctioned member’s page', async () => {
    const member = await createUser(t.db, { handle: 'mp_limited' });
    expect((await submit(modC, '/moderation/members/mp_limited/sanctions', { kind: 'limit', duration: '7d', reason: 'publicités' })).status).toBe(303);
    const until = msg('moderation.sanctions.until', { date: formatDate(await endsAt(member), 'fr') });
    expect(until).not.toContain('UTC');
    expect((await modC.get('/moderation/members/mp_limited')).text).toContain(until);
    const post = await t.db
      .insertInto('posts')
      .values({ author_id: member.id, wall_owner_id: member.id, body: 'dossier', body_html: '<p>dossier</p>', visibility: 'public' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const c = await t.db
      .insertInto('moderation_cases')
      .values({ target_kind: 'post', target_id: post.id, origin: 'reports', subject_user_id: member.id, snapshot: JSON.stringify({ body: 'dossier' }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect((await modC.get(`/moderation/cases/${c.id}`)).text).toContain(until);
    expect((await (await t.loggedIn(member.handle)).get('/account/moderation')).text).toContain(until);
  });

  it('is written in the language of a suspended member held on their sanction', async () => {
    const member = await createUser(t.db, { handle: 'mp_suspended_en', locale: 'en', password: 'un-mot-de-passe-assez-long' });
    expect((await submit(modC, '/moderation/members/mp_suspended_en/sanctions', { kind: 'suspension', duration: '30d', reason: 'threats' })).status).toBe(303);
    const held = await (await t.loggedIn(member.handle, 'un-mot-de-passe-assez-long')).get('/');
    expect(held.status).toBe(403);
    expect(held.text).toContain(Handlebars.escapeExpression(translator('en')('moderation.sanctions.until', { date: formatDate(await endsAt(member), 'en') })));
  });
});

describe('the member forms', () => {
  it.each(['mp_nobody', 'not a handle'])('answer "not found" for the handle %s', async (handle) => {
    for (const [form, fields] of [
      ['trust', { trusted: 'true' }],
      ['notes', { note: 'une note' }],
      ['sanctions', { kind: 'warning', reason: 'x' }],
    ] as const) {
      expect((await submit(modC, `/moderation/members/${encodeURIComponent(handle)}/${form}`, fields)).status).toBe(404);
    }
  });
});
