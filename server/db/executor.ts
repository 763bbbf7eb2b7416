import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

/** What repos take first: the database, or a transaction a service opened. */
export type Executor = Kysely<Database> | Transaction<Database>;
export type Db = Kysely<Database>;
