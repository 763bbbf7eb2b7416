// Keyset pagination on (created_at, id), newest first. The cursor is opaque to clients:
// base64url of "<iso time>|<id>" (the id may be negative: the home feed's item keys, see repos/feed.ts). A cursor that does not parse is treated as "first page".
// created_at columns that are paged on are timestamptz(3): a JS Date holds milliseconds, and a
// cursor rounded from microseconds would skip rows.
import { sql, type Expression, type SqlBool } from 'kysely';

export interface Cursor {
  createdAt: Date;
  id: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.createdAt.toISOString()}|${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(raw: string | undefined): Cursor | undefined {
  if (!raw || raw.length > 100) return undefined;
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const m = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\|(-?\d{1,15})$/.exec(text);
  if (!m) return undefined;
  const createdAt = new Date(m[1]!);
  if (Number.isNaN(createdAt.getTime())) return undefined;
  return { createdAt, id: Number(m[2]) };
}

/** `(created_at, id) < (cursor)`: the rows after the cursor in newest-first order. */
export function olderThan(
  createdAtColumn: string,
  idColumn: string,
  cursor: Cursor,
): Expression<SqlBool> {
  return sql<SqlBool>`(${sql.ref(createdAtColumn)}, ${sql.ref(idColumn)}) < (${cursor.createdAt}, ${cursor.id})`;
}

export interface Page<T> {
  items: T[];
  next: string | undefined;
}

/** Rows were fetched with limit + 1: the extra one only tells whether a next page exists. The
 * cursor is the last row shown, whichever way the list is ordered; `at` names the time the list is
 * keyed on when it is not created_at (a forum list on last activity). */
export function toPage<T extends { created_at: Date; id: number }>(rows: T[], limit: number): Page<T>;
export function toPage<T extends { id: number }>(rows: T[], limit: number, at: (row: T) => Date): Page<T>;
export function toPage<T extends { id: number }>(rows: T[], limit: number, at = (row: T) => (row as T & { created_at: Date }).created_at): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last ? encodeCursor({ createdAt: at(last), id: last.id }) : undefined };
}
