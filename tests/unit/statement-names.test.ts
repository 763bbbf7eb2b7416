// Which statements get a named (prepared) statement on Postgres: short fixed `in (…)` lists keep
// their name, lists whose length follows the data do not (server/db/connection.ts).
import { describe, expect, it } from 'vitest';
import { hasLongInList, statementName } from '../../server/db/connection.ts';

describe('statement names', () => {
  it('keeps short in-lists (a fixed set of values) and refuses long ones', () => {
    expect(hasLongInList('select 1 from posts p where p.visibility in ($1, $2) and p.id = $3')).toBe(false);
    expect(hasLongInList('select 1 from posts where id in ($1)')).toBe(false);
    expect(hasLongInList('select 1 from posts where id in ($1, $2, $3, $4)')).toBe(false);
    expect(hasLongInList('select 1 from posts where id in ($1, $2, $3, $4, $5)')).toBe(true);
    expect(hasLongInList('select 1 from a where x in ($1, $2) and y in ($3, $4, $5, $6, $7, $8)')).toBe(true);
    expect(hasLongInList('select 1 from posts where id = any($1::int8[])')).toBe(false);
  });

  it('refuses an in-list it cannot read', () => {
    expect(hasLongInList('select 1 from posts where id in ($1,$2)')).toBe(true);
  });

  it('leaves unnamed an ON CONFLICT whose arbiter predicate has parameters, and transaction control', () => {
    expect(statementName('insert into t (a) values ($1) on conflict (a) where state in ($2, $3) do nothing')).toBeUndefined();
    expect(statementName('insert into f (a, b) values ($1, $2) on conflict (a, b) where b is not null do nothing')).toMatch(/^k/);
    expect(statementName('begin')).toBeUndefined();
    expect(statementName('select 1 from posts where id = $1')).toMatch(/^k[0-9a-f]{24}$/);
  });
});
