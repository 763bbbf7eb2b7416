// Opens the database: an embedded PGlite in the data folder when no DATABASE_URL is set, a real
// Postgres otherwise. Both return the same Kysely<Database>. int8 columns come back as numbers
// (ids stay far below 2^53), so code never juggles strings for ids and counts.
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import pg from 'pg';
import type { Database } from './schema.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /** the embedded instance, when there is one (tests dump it; live uses its LISTEN) */
  pglite?: PGlite;
  pool?: pg.Pool;
  close(): Promise<void>;
}

const INT8 = 20;

export interface PgliteOptions {
  /** file-backed folder; omitted means in memory */
  dataDir?: string;
  /** start from a dump made by dumpDataDir() (tests) */
  loadDataDir?: Blob;
}

export async function openPglite(options: PgliteOptions = {}): Promise<DatabaseHandle> {
  let lock: DataDirLock | undefined;
  let pgdata: string | undefined;
  if (options.dataDir) {
    await fs.mkdir(options.dataDir, { recursive: true });
    // Nothing else stops a second process from opening the same folder and corrupting it.
    lock = await lockDataDir(options.dataDir);
    pgdata = path.join(options.dataDir, 'pgdata');
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(pgdata ? { dataDir: pgdata } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      parsers: { [pgliteTypes.INT8]: (v: string) => Number(v) },
    });
  } catch (err) {
    await lock?.release();
    throw err;
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    pglite,
    async close() {
      try {
        await db.destroy(); // closes the PGlite instance too
      } finally {
        await lock?.release();
      }
    },
  };
}

export interface PostgresOptions {
  /** every connection uses this schema first (tests isolate each file in its own schema) */
  schema?: string;
  max?: number;
  /** name statements so Postgres plans them once per connection (default true) */
  preparedStatements?: boolean;
}

// Postgres spends more time planning these short queries than running them. Each distinct SQL
// text gets a named prepared statement (per connection, as pg does it), so it is planned once
// and then reused: measured 3–10× less Postgres CPU per statement on the page queries. Texts
// whose shape varies with the data (long `in (…)` lists) and transaction control stay unnamed, and
// the number of names is capped so the server-side statement cache stays bounded.
// (Not for PgBouncer in transaction-pooling mode, which does not keep prepared statements.)
const MAX_NAMED_STATEMENTS = 500;
const statementNames = new Map<string, string>();

/**
 * An `in (…)` list of more than SHORT_IN_LIST parameters: its length follows the data (ids of a
 * page), so each length would be a statement of its own. Short lists (a fixed set of values, such
 * as the visibilities a member may see) keep their name: a page's statements would otherwise be
 * parsed and planned again on every request.
 */
const SHORT_IN_LIST = 4;
export function hasLongInList(text: string): boolean {
  for (const m of text.matchAll(/ in \((\$\d+(?:, \$\d+)*)\)/gi)) {
    if (m[1]!.split(',').length > SHORT_IN_LIST) return true;
  }
  return / in \(\$/i.test(text.replace(/ in \((\$\d+(?:, \$\d+)*)\)/gi, ''));
}

export function statementName(text: string): string | undefined {
  const known = statementNames.get(text);
  if (known !== undefined) return known;
  if (statementNames.size >= MAX_NAMED_STATEMENTS) return undefined;
  // An ON CONFLICT arbiter is matched to a partial index at planning: a generic plan, with
  // parameters in the arbiter's predicate, could not match it.
  if (hasLongInList(text) || /on conflict \([^)]*\) where [^;]*?\$\d[^;]*? do /i.test(text) || /^\s*(begin|commit|rollback|start transaction|savepoint|release|set |create |alter |drop )/i.test(text)) return undefined;
  const name = `k${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  statementNames.set(text, name);
  return name;
}

function withNamedStatements(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      return {
        query: ((text: string | object, values?: unknown[]) => {
          // Kysely passes (sql, parameters); anything else (a cursor) goes through untouched.
          if (typeof text !== 'string') return client.query(text as never);
          const name = statementName(text);
          return name ? client.query({ name, text, values: values ?? [] }) : client.query(text, values);
        }) as unknown as PostgresPoolClient['query'],
        release: (err?: Error) => client.release(err),
      };
    },
    end: () => pool.end(),
  };
}

export function openPostgres(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: options.preparedStatements === false ? pool : withNamedStatements(pool) }) });
  return {
    db,
    kind: 'postgres',
    pool,
    async close() {
      await db.destroy();
    },
  };
}

/** `preparedStatements: false` for migrations: a statement prepared before a schema change could
 * otherwise be reused after it on the same connection. (PGlite is not concerned.) */
export async function openDatabase(
  config: { databaseUrl: string | undefined; dataDir: string },
  options: { preparedStatements?: boolean } = {},
): Promise<DatabaseHandle> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, options);
  return openPglite({ dataDir: config.dataDir });
}

/** Answers when the database answers; used by /healthz. */
export async function pingDatabase(db: Kysely<Database>, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs);
    });
    await Promise.race([sql`select 1`.execute(db), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
