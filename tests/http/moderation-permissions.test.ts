// The moderation permission matrix: every moderation route (taken from the routes the app
// registered, so a new route missing here fails) × every role: logged out, member, the reported
// member, moderator, admin, suspended member. Pages a role may not reach answer 404 (never 403,
// which would confirm they exist); a suspended member sees their sanction (403) everywhere but
// their sanctions page and its forms; a visitor is sent to the login form (pages) or refused
// (401). A refused action leaves no audit event by its author.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import type { User } from '../../server/db/schema.ts';

type Role = 'logged out' | 'member' | 'reported member' | 'moderator' | 'admin' | 'suspended member';
const ROLES: Role[] = ['logged out', 'member', 'reported member', 'moderator', 'admin', 'suspended member'];
type Person = Exclude<Role, 'logged out'>;

let t: TestApp;
const users = {} as Record<Person, User>;
const clients = {} as Record<Role, Client>;
let bystander: User;
let n = 0;

beforeAll(async () => {
  t = await createTestApp();
  users.member = await createUser(t.db, { handle: 'pm_member' });
  users['reported member'] = await createUser(t.db, { handle: 'pm_reported' });
  users.moderator = await createUser(t.db, { handle: 'pm_mod', role: 'moderator' });
  users.admin = await createUser(t.db, { handle: 'pm_admin', role: 'admin' });
  users['suspended member'] = await createUser(t.db, { handle: 'pm_suspended' });
  bystander = await createUser(t.db, { handle: 'pm_bystander' });
  clients['logged out'] = t.client();
  for (const role of ROLES) if (role !== 'logged out') clients[role] = await t.loggedIn(users[role].handle);
  // Suspended after signing in: the session stays, the member is now suspended.
  await t.db.insertInto('moderation_sanctions').values({ user_id: users['suspended member'].id, kind: 'suspension', reason: 'matrice', created_by: users.admin.id, case_id: null, ends_at: null }).execute();
});
afterAll(async () => t.close());

/** A post by the reported member, reported by the bystander: its case. */
async function reportedPost(): Promise<{ postId: number; caseId: number }> {
  const post = await t.db
    .insertInto('posts')
    .values({ author_id: users['reported member'].id, wall_owner_id: users['reported member'].id, body: `signalée ${++n}`, body_html: '<p>signalée</p>', visibility: 'public' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const c = await t.db
    .insertInto('moderation_cases')
    .values({ target_kind: 'post', target_id: post.id, origin: 'reports', subject_user_id: users['reported member'].id, snapshot: JSON.stringify({ body: 'signalée' }) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db.insertInto('moderation_reports').values({ case_id: c.id, reporter_id: bystander.id, reason: 'spam', snapshot: '{}' }).execute();
  return { postId: post.id, caseId: c.id };
}
async function freshMember(): Promise<User> {
  return createUser(t.db, { handle: `pm_fresh${++n}` });
}
async function sanctionOf(user: User, kind: 'warning' | 'suspension' = 'warning') {
  return t.db.insertInto('moderation_sanctions').values({ user_id: user.id, kind, reason: 'x', created_by: users.admin.id, case_id: null, ends_at: null }).returning('id').executeTakeFirstOrThrow();
}

interface Prepared {
  path: string;
  fields?: Record<string, string>;
}
interface Route {
  method: 'GET' | 'POST';
  /** the path as registered */
  route: string;
  expected: Record<Role, number>;
  prepare(): Promise<Prepared>;
}

const mods = (m: number, other: number) => ({ member: other, 'reported member': other, moderator: m, admin: m });
const page = (e: Omit<Record<Role, number>, 'logged out' | 'suspended member'>): Record<Role, number> => ({ 'logged out': 303, 'suspended member': 403, ...e });
const action = (e: Omit<Record<Role, number>, 'logged out' | 'suspended member'>): Record<Role, number> => ({ 'logged out': 401, 'suspended member': 403, ...e });
const fixed = (path: string, fields?: Record<string, string>) => async () => ({ path, ...(fields ? { fields } : {}) });

const ROUTES: Route[] = [
  { method: 'GET', route: '/moderation', expected: page(mods(200, 404)), prepare: fixed('/moderation') },
  { method: 'GET', route: '/moderation/pending', expected: page(mods(200, 404)), prepare: fixed('/moderation/pending') },
  {
    method: 'POST',
    route: '/moderation/pending/:id/:decision',
    expected: action(mods(303, 404)),
    prepare: async () => ({ path: `/moderation/pending/${(await createUser(t.db, { status: 'pending' })).id}/approve` }),
  },
  { method: 'GET', route: '/moderation/cases/:id', expected: page(mods(200, 404)), prepare: async () => ({ path: `/moderation/cases/${(await reportedPost()).caseId}` }) },
  { method: 'POST', route: '/moderation/cases/:id/assign', expected: action(mods(303, 404)), prepare: async () => ({ path: `/moderation/cases/${(await reportedPost()).caseId}/assign`, fields: { to: 'me' } }) },
  { method: 'POST', route: '/moderation/cases/:id/state', expected: action(mods(303, 404)), prepare: async () => ({ path: `/moderation/cases/${(await reportedPost()).caseId}/state`, fields: { state: 'rejected' } }) },
  { method: 'POST', route: '/moderation/cases/:id/notes', expected: action(mods(303, 404)), prepare: async () => ({ path: `/moderation/cases/${(await reportedPost()).caseId}/notes`, fields: { note: 'note' } }) },
  {
    method: 'POST',
    route: '/moderation/cases/:id/action',
    expected: action(mods(303, 404)),
    prepare: async () => ({ path: `/moderation/cases/${(await reportedPost()).caseId}/action`, fields: { action: 'hide', reason: 'matrice' } }),
  },
  { method: 'GET', route: '/moderation/members/:handle', expected: page(mods(200, 404)), prepare: fixed('/moderation/members/pm_reported') },
  {
    method: 'POST',
    route: '/moderation/members/:handle/sanctions',
    expected: action(mods(303, 404)),
    prepare: async () => ({ path: `/moderation/members/${(await freshMember()).handle}/sanctions`, fields: { kind: 'suspension', duration: '1d', reason: 'matrice' } }),
  },
  { method: 'POST', route: '/moderation/members/:handle/trust', expected: action(mods(303, 404)), prepare: async () => ({ path: `/moderation/members/${(await freshMember()).handle}/trust`, fields: { trusted: 'true' } }) },
  { method: 'POST', route: '/moderation/members/:handle/notes', expected: action(mods(303, 404)), prepare: async () => ({ path: `/moderation/members/${(await freshMember()).handle}/notes`, fields: { note: 'n' } }) },
  {
    method: 'POST',
    route: '/moderation/sanctions/:id/lift',
    expected: action(mods(303, 404)),
    prepare: async () => ({ path: `/moderation/sanctions/${(await sanctionOf(await freshMember(), 'suspension')).id}/lift`, fields: { reason: 'levée' } }),
  },
  {
    method: 'GET',
    route: '/report/:kind/:id',
    expected: page({ member: 200, 'reported member': 404, moderator: 200, admin: 200 }),
    prepare: async () => ({ path: `/report/post/${(await reportedPost()).postId}` }),
  },
  {
    method: 'POST',
    route: '/report/:kind/:id',
    expected: action({ member: 303, 'reported member': 404, moderator: 303, admin: 303 }),
    prepare: async () => ({ path: `/report/post/${(await reportedPost()).postId}`, fields: { reason: 'spam' } }),
  },
  { method: 'GET', route: '/reports', expected: page({ member: 200, 'reported member': 200, moderator: 200, admin: 200 }), prepare: fixed('/reports') },
  { method: 'GET', route: '/account/moderation', expected: { ...page({ member: 200, 'reported member': 200, moderator: 200, admin: 200 }), 'suspended member': 200 }, prepare: fixed('/account/moderation') },
  {
    method: 'POST',
    route: '/account/moderation/:id/acknowledge',
    // Someone else's warning: nobody may acknowledge it (their own is in moderation.test.ts).
    expected: { ...action(mods(404, 404)), 'suspended member': 404 },
    prepare: async () => ({ path: `/account/moderation/${(await sanctionOf(bystander)).id}/acknowledge` }),
  },
  {
    method: 'POST',
    route: '/account/moderation/:id/appeal',
    expected: { ...action(mods(404, 404)), 'suspended member': 404 },
    prepare: async () => ({ path: `/account/moderation/${(await sanctionOf(bystander)).id}/appeal`, fields: { appeal: 'pas moi' } }),
  },
  { method: 'GET', route: '/admin/moderation', expected: page({ member: 404, 'reported member': 404, moderator: 404, admin: 200 }), prepare: fixed('/admin/moderation') },
  {
    method: 'POST',
    route: '/admin/moderation/settings',
    expected: action({ member: 404, 'reported member': 404, moderator: 404, admin: 303 }),
    prepare: fixed('/admin/moderation/settings', { autoHideScore: '5', trustedWeight: '3', reportsPerHour: '1000' }),
  },
  {
    method: 'POST',
    route: '/admin/moderation/templates',
    expected: action({ member: 404, 'reported member': 404, moderator: 404, admin: 303 }),
    prepare: fixed('/admin/moderation/templates', { title: 'T', body: 'B' }),
  },
  {
    method: 'POST',
    route: '/admin/moderation/templates/:id',
    expected: action({ member: 404, 'reported member': 404, moderator: 404, admin: 303 }),
    prepare: fixed('/admin/moderation/templates/1', { title: 'Spam', body: 'Publicité.' }),
  },
  { method: 'GET', route: '/admin/audit', expected: page({ member: 404, 'reported member': 404, moderator: 404, admin: 200 }), prepare: fixed('/admin/audit?action=moderation.') },
  {
    method: 'POST',
    route: '/admin/moderation/safety',
    expected: action({ member: 404, 'reported member': 404, moderator: 404, admin: 303 }),
    prepare: fixed('/admin/moderation/safety', { newMemberDays: '0', newMemberMinSeconds: '0', newMemberHeldPosts: '0' }),
  },
  {
    method: 'POST',
    route: '/admin/moderation/words',
    expected: action({ member: 404, 'reported member': 404, moderator: 404, admin: 303 }),
    prepare: fixed('/admin/moderation/words', { pattern: 'zzqqmatrice', action: 'flag' }),
  },
  {
    method: 'POST',
    route: '/admin/moderation/words/:id/delete',
    expected: action({ member: 404, 'reported member': 404, moderator: 404, admin: 303 }),
    prepare: async () => ({
      path: `/admin/moderation/words/${(await t.db.insertInto('watched_words').values({ pattern: `zzq${++n}`, action: 'flag', created_by: null }).returning('id').executeTakeFirstOrThrow()).id}/delete`,
    }),
  },
  {
    method: 'POST',
    route: '/admin/moderation/words/test',
    expected: action({ member: 404, 'reported member': 404, moderator: 404, admin: 200 }),
    prepare: fixed('/admin/moderation/words/test', { sample: 'essai' }),
  },
  { method: 'GET', route: '/account/blocks', expected: page({ member: 200, 'reported member': 200, moderator: 200, admin: 200 }), prepare: fixed('/account/blocks') },
  {
    method: 'POST',
    route: '/@:handle/block',
    expected: action({ member: 303, 'reported member': 303, moderator: 303, admin: 303 }),
    prepare: async () => ({ path: `/@${(await freshMember()).handle}/block`, fields: { kind: 'block' } }),
  },
  {
    method: 'POST',
    route: '/@:handle/unblock',
    expected: action({ member: 303, 'reported member': 303, moderator: 303, admin: 303 }),
    prepare: async () => ({ path: `/@${(await freshMember()).handle}/unblock` }),
  },
  { method: 'GET', route: '/admin/audit.csv', expected: page({ member: 404, 'reported member': 404, moderator: 404, admin: 200 }), prepare: fixed('/admin/audit.csv') },
];

const MODERATION_PREFIXES = ['/moderation', '/report/', '/reports', '/account/moderation', '/account/blocks', '/admin/moderation', '/admin/audit', '/@:handle/block', '/@:handle/unblock'];

describe('moderation permission matrix', () => {
  it('covers every registered moderation route', () => {
    const registered = t.app.routeList.filter((r) => MODERATION_PREFIXES.some((p) => r.url === p || r.url.startsWith(p))).map((r) => `${r.method} ${r.url}`);
    const covered = new Set(ROUTES.map((r) => `${r.method} ${r.route}`));
    expect(registered.filter((r) => !covered.has(r))).toEqual([]);
    expect([...covered].filter((r) => !registered.includes(r))).toEqual([]);
  });

  const CASES = ROUTES.flatMap((route) => ROLES.map((role) => ({ ...route, role, status: route.expected[role] })));
  it.each(CASES)('$method $route as $role answers $status', async ({ method, prepare, role, status }) => {
    const prepared = await prepare();
    const client = clients[role];
    const actorId = role === 'logged out' ? null : users[role].id;
    const audits = async () =>
      actorId === null ? 0 : Number((await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('actor_id', '=', actorId).executeTakeFirstOrThrow()).n);
    const before = await audits();
    const res = method === 'GET' ? await client.get(prepared.path) : await client.submit(prepared.path, prepared.fields ?? {}, { csrf: await client.token() });
    expect(res.status, res.text.slice(0, 200)).toBe(status);
    if (status === 303 && role === 'logged out') expect(res.headers.location).toContain('/login?next=');
    if (status === 403) expect(res.text).toContain('matrice');
    if (method === 'POST' && status !== 303) expect(await audits()).toBe(before);
  });
});
