// People in followers, following and follow-request lists and in the feed's suggestions, as the
// people-list partial receives them.
import { personOf } from './posts.ts';

export function presentPeople(rows: readonly { handle: string; display_name: string; avatar_key: string | null }[]) {
  return rows.map((r) => personOf(r.handle, r.display_name, r.avatar_key));
}
