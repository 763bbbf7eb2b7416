// People in followers, following and follow-request lists, as templates receive them.
import type { PersonRow } from '../repos/followers.ts';
import { personOf } from './posts.ts';

export function presentPeople(rows: readonly PersonRow[]) {
  return rows.map((r) => ({ ...personOf(r.handle, r.display_name, r.avatar_key), since: r.created_at }));
}
