// What the seed scripts (bench/seed.ts, bench/seed-forum.ts) share: their options, the loopback
// Postgres URL, deterministic randomness, bodies rendered once by the app's Markdown renderer into
// pools (and copied into temporary tables), chunked INSERT … SELECT steps with progress, rows/s and
// ETA, the load session (foreign-key triggers off when the role may), secondary indexes dropped
// during the load and rebuilt from their definitions, the consistency checks and the manifest.
import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { renderMarkdown } from '../server/services/markdown.ts';
import { DEFAULT_BENCH_DATABASE_URL, ROOT, RESULTS_DIR, fail, loopbackUrl } from './lib.ts';

// ---------------------------------------------------------------------------------------------
// Options and database

/**
 * The options after `--`: --help prints `usage` and exits, an option not in `names` (without its
 * `=value`) fails.
 */
export function parseOptions(usage: string, names: string[]) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  const known = new Set(names);
  for (const a of argv) if (!known.has(a.split('=')[0]!)) fail(`Unknown option ${a} (see --help)`);
  return {
    flag: (name: string) => argv.includes(`--${name}`),
    int(name: string, fallback: number, min: number, max: number): number {
      const a = argv.find((x) => x.startsWith(`--${name}=`));
      if (!a) return fallback;
      const raw = a.slice(name.length + 3);
      if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) fail(`--${name} must be a whole number between ${min} and ${max} (got "${raw}")`);
      return Number(raw);
    },
  };
}

/**
 * DATABASE_URL, required (`script` is named in the message), a postgres:// URL on loopback; with
 * `plainName` its database name must be one `create database` can take unquoted.
 */
export function seedDatabaseUrl(script: string, plainName = false): { url: URL; dbName: string; safeUrl: string } {
  const raw = process.env.DATABASE_URL?.trim();
  if (!raw) fail(`DATABASE_URL is required, e.g. DATABASE_URL=${DEFAULT_BENCH_DATABASE_URL} npm run ${script}`);
  const url = loopbackUrl(raw);
  if (!/^postgres(ql)?:$/.test(url.protocol)) fail('DATABASE_URL must start with postgres:// or postgresql://');
  const dbName = decodeURIComponent(url.pathname.slice(1));
  if (plainName && !/^[a-z0-9_]{1,63}$/.test(dbName)) fail(`the database name must be lower-case letters, digits and _ (got "${dbName}")`);
  const safe = new URL(url.href);
  if (safe.password) safe.password = '***';
  return { url, dbName, safeUrl: safe.href };
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness for what Node generates (Postgres gets setseed for its part)

export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    rand,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!,
    /** skewed towards the start of the list (exponent > 1) */
    pickSkewed: <T>(xs: readonly T[], exponent = 2): T => xs[Math.floor(Math.pow(rand(), exponent) * xs.length)]!,
    between: (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)),
    sample<T>(xs: readonly T[], n: number): T[] {
      const copy = [...xs];
      const out: T[] = [];
      while (out.length < n && copy.length) out.push(copy.splice(Math.floor(rand() * copy.length), 1)[0]!);
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Bodies rendered once into pools

export interface Mentionable {
  id: number;
  handle: string;
}

export interface Body {
  body: string;
  html: string;
  tags: string[];
  mentionIds: number[];
}

/** A generated text and the members it mentions. */
export interface Draft {
  text: string;
  mentioned: Mentionable[];
}

/** Renders with the app's Markdown renderer; the mentions resolve to the members given. */
export function renderBody(text: string, mentioned: Mentionable[]): Body {
  const knownHandles = new Map(mentioned.map((m) => [m.handle.toLowerCase(), m.handle]));
  const r = renderMarkdown(text, knownHandles);
  if (r.refusedLinks.length) throw new Error(`refused link in generated text: ${r.refusedLinks[0]}`);
  const byLower = new Map(mentioned.map((m) => [m.handle.toLowerCase(), m.id]));
  return { body: text, html: r.html, tags: r.tags, mentionIds: [...new Set(r.mentions.map((h) => byLower.get(h)!).filter(Boolean))] };
}

/** Up to `count` distinct rendered bodies (at most count × 20 drafts are tried). */
export function makePool(count: number, make: () => Draft): Body[] {
  const seen = new Set<string>();
  const out: Body[] = [];
  let attempts = 0;
  while (out.length < count && attempts++ < count * 20) {
    const { text, mentioned } = make();
    if (seen.has(text)) continue;
    seen.add(text);
    out.push(renderBody(text, mentioned));
  }
  return out;
}

/** A temporary table (idx, body, body_html, tags, mention_ids) holding the pool; analyzed with `analyze`. */
export async function insertPool(client: pg.Client, table: string, pool: Body[], analyze = false): Promise<void> {
  await client.query(`create temporary table ${table} (idx int primary key, body text not null, body_html text not null, tags text[] not null, mention_ids bigint[] not null)`);
  for (let start = 0; start < pool.length; start += 2000) {
    const part = pool.slice(start, start + 2000);
    await client.query(
      `insert into ${table} (idx, body, body_html, tags, mention_ids)
       select i, b, h, coalesce(array(select jsonb_array_elements_text(t)), '{}'), coalesce(array(select jsonb_array_elements_text(m)::bigint), '{}')
         from unnest($1::int[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[]) as x(i, b, h, t, m)`,
      [
        part.map((_, i) => start + i),
        part.map((p) => p.body),
        part.map((p) => p.html),
        part.map((p) => JSON.stringify(p.tags)),
        part.map((p) => JSON.stringify(p.mentionIds)),
      ],
    );
  }
  if (analyze) await client.query(`analyze ${table}`);
}

// ---------------------------------------------------------------------------------------------
// Progress

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A whole number for SQL text (anything else is a bug). */
export const int = (n: number) => {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
};

/** The steps of a seed: each timed and counted, with the overall progress and ETA printed after each chunk. */
export class Progress {
  readonly started = performance.now();
  plannedRows = 0;
  doneRows = 0;
  readonly steps: { step: string; rows: number; ms: number }[] = [];

  overall(): string {
    const elapsed = performance.now() - this.started;
    const rate = this.doneRows / Math.max(elapsed / 1000, 0.001);
    const left = Math.max(this.plannedRows - this.doneRows, 0);
    return `overall ${fmt(this.doneRows)}/${fmt(this.plannedRows)} rows, ${secs(elapsed)} elapsed, ETA ~${secs((left / Math.max(rate, 1)) * 1000)}`;
  }

  /**
   * Runs fn(from, to) for consecutive chunks; fn returns the rows it added, and so does chunked.
   * Counting `rows` (the default), `total` is the rows wanted: chunks go on until that many were
   * added (rows skipped as duplicates are made up). Counting another unit (`members`, `topics`),
   * `total` is how many there are: each number 1..total is passed once, whatever rows it adds.
   */
  async chunked(step: string, total: number, chunk: number, fn: (from: number, to: number) => Promise<number>, unit = 'rows'): Promise<number> {
    const t0 = performance.now();
    let rows = 0;
    let done = 0;
    let guard = 0;
    while (done < total) {
      const from = done + 1;
      const to = from + Math.min(chunk, total - done) - 1;
      const added = await fn(from, to);
      rows += added;
      done = unit === 'rows' ? rows : to;
      this.doneRows += added;
      const rate = done / Math.max((performance.now() - t0) / 1000, 0.001);
      console.log(`  ${step.padEnd(14)} ${fmt(done).padStart(10)}/${fmt(total)} (${((done / total) * 100).toFixed(0).padStart(3)} %)  ${fmt(rate).padStart(8)} ${unit}/s  step ETA ${secs(((total - done) / Math.max(rate, 1)) * 1000).padStart(7)}  · ${this.overall()}`);
      // Counting rows, chunks that add nothing would go on forever.
      if (unit === 'rows' && added === 0 && ++guard > 5) throw new Error(`${step}: no rows added five times in a row`);
    }
    this.record(step, rows, performance.now() - t0);
    return rows;
  }

  /** A step that is one statement (or a few): timed, counted, printed. */
  async single(step: string, fn: () => Promise<number>): Promise<number> {
    const t0 = performance.now();
    const rows = await fn();
    const ms = performance.now() - t0;
    this.doneRows += rows;
    this.record(step, rows, ms);
    console.log(`  ${step.padEnd(14)} ${fmt(rows).padStart(10)} rows in ${secs(ms)}${rows ? ` (${fmt(rows / Math.max(ms / 1000, 0.001))} rows/s)` : ''}  · ${this.overall()}`);
    return rows;
  }

  record(step: string, rows: number, ms: number): void {
    this.steps.push({ step, rows, ms });
  }

  /** The steps as the manifest lists them. */
  manifestSteps(): { step: string; rows: number; seconds: number }[] {
    return this.steps.map((s) => ({ step: s.step, rows: s.rows, seconds: Number((s.ms / 1000).toFixed(1)) }));
  }
}

// ---------------------------------------------------------------------------------------------
// The load

/**
 * Tunes the session for a bulk load, seeds Postgres's random() and turns foreign-key triggers off
 * when the role may (superuser): true when they are off.
 */
export async function startLoadSession(client: pg.Client, seed: number): Promise<boolean> {
  await client.query(`set synchronous_commit = off`);
  await client.query(`set work_mem = '256MB'`);
  await client.query(`set maintenance_work_mem = '512MB'`);
  await client.query(`select setseed($1)`, [(seed % 1000) / 1000]);
  try {
    await client.query(`set session_replication_role = replica`);
    return true;
  } catch {
    console.log('  (this role may not set session_replication_role: foreign keys stay checked during the load, which is slower)');
    return false;
  }
}

/**
 * Drops the secondary indexes of `tables` (not the primary keys nor those behind a constraint) and
 * returns how many, and the rebuild from their exact definitions (once, however often it is called).
 */
export async function dropSecondaryIndexes(client: pg.Client, tables: string[]): Promise<{ dropped: number; rebuild: () => Promise<number> }> {
  const { rows } = await client.query<{ schema: string; name: string; def: string }>(
    `select n.nspname as schema, i.relname as name, pg_get_indexdef(i.oid) as def
       from pg_index x
       join pg_class i on i.oid = x.indexrelid
       join pg_class t on t.oid = x.indrelid
       join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = current_schema() and t.relname = any($1) and not x.indisprimary
        and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
      order by t.relname, i.relname`,
    [tables],
  );
  for (const r of rows) await client.query(`drop index "${r.schema}"."${r.name}"`);
  let rebuilt = false;
  const rebuild = async () => {
    if (rebuilt) return 0;
    rebuilt = true;
    const t0 = performance.now();
    console.log(`Rebuilding ${rows.length} indexes…`);
    for (const ix of rows) {
      const t1 = performance.now();
      await client.query(ix.def);
      console.log(`  ${ix.name.padEnd(34)} ${secs(performance.now() - t1)}`);
    }
    return performance.now() - t0;
  };
  return { dropped: rows.length, rebuild };
}

/** Runs each [name, query returning one count] check: every count must be 0. Prints the outcome (with `note`) and throws on a failure. */
export async function runChecks(client: pg.Client, checks: [string, string][], note = ''): Promise<void> {
  console.log('Checking references and counters…');
  const t0 = performance.now();
  const failures: string[] = [];
  for (const [name, sqlText] of checks) {
    const n = Number(Object.values((await client.query(sqlText)).rows[0] as Record<string, string>)[0]);
    if (n !== 0) failures.push(`${name}: ${n} rows wrong`);
  }
  console.log(`  ${checks.length} checks ${failures.length ? 'FAILED' : 'passed'} in ${secs(performance.now() - t0)}${note}`);
  if (failures.length) throw new Error(`consistency checks failed:\n  ${failures.join('\n  ')}`);
}

/** Writes a manifest into bench/results and says so. */
export async function writeManifest(file: string, manifest: unknown): Promise<void> {
  await fs.mkdir(RESULTS_DIR, { recursive: true });
  await fs.writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

export const relative = (file: string) => path.relative(ROOT, file);
