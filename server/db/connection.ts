// Opens the database: an embedded PGlite in the data folder when no DATABASE_URL is set, a real
// Postgres otherwise. Both return the same Kysely<Database>. int8 columns come back as numbers
// (ids stay far below 2^53), so code never juggles strings for ids and counts.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'postgres',
    pool,
    async close() {
      await db.destroy();
    },
  };
}

export async function openDatabase(config: { databaseUrl: string | undefined; dataDir: string }): Promise<DatabaseHandle> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
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
