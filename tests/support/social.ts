// What members do through the pages in many HTTP tests (publishing a post), and the follow
// counters they move, so each test file does not carry its own copy.
import { expect } from 'vitest';
import type { Response } from 'supertest';
import type { Kysely } from 'kysely';
import type { Client } from './app.ts';
import type { Database } from '../../server/db/schema.ts';

/** The id of the post or comment a successful form redirected to (`…#post-<id>`, `…#comment-<id>`). */
export function idFrom(res: Response, kind: 'post' | 'comment'): number {
  expect(res.status, res.text.slice(0, 300)).toBe(303);
  return Number(new RegExp(`#${kind}-(\\d+)`).exec(res.headers.location!)![1]);
}

/** The id of the post a successful publish redirected to (`…#post-<id>`). */
export function postIdFrom(res: Response): number {
  return idFrom(res, 'post');
}

/** Publishes on `wall` from its composer page, as a browser does; answers the new post's id. */
export async function publishPost(c: Client, wall: string, body: string, visibility = 'members'): Promise<number> {
  return postIdFrom(await c.submitMultipart(`/@${wall}/posts`, { body, visibility }, {}, { from: `/@${wall}/posts/new` }));
}

/** A member's follower and following counters as stored on their profile. */
export async function followCounts(db: Kysely<Database>, user: { id: number }) {
  return db.selectFrom('profiles').select(['follower_count', 'following_count']).where('user_id', '=', user.id).executeTakeFirstOrThrow();
}

/** Opens a topic in a category through its form; answers the new topic's id. */
export async function openTopic(c: Client, categoryId: number, title: string, body = 'Le message d’ouverture.'): Promise<number> {
  const res = await c.submit(`/c/${categoryId}/topics`, { title, body }, { csrf: await c.token() });
  expect(res.status, res.text.slice(0, 300)).toBe(303);
  return Number(/^\/t\/(\d+)$/.exec(res.headers.location!)![1]);
}

/** Replies in a topic through its form; answers the new reply's id. */
export async function replyInTopic(c: Client, topicId: number, body: string): Promise<number> {
  const res = await c.submit(`/t/${topicId}/replies`, { body }, { csrf: await c.token() });
  expect(res.status, res.text.slice(0, 300)).toBe(303);
  return Number(new RegExp(`^/t/${topicId}/r/(\\d+)$`).exec(res.headers.location!)![1]);
}
