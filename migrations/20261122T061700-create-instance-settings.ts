import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('instance_settings')
    .addColumn('id', 'smallint', (c) => c.primaryKey().defaultTo(1))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('registration_mode', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('instance_settings_single_row', sql`id = 1`)
    .addCheckConstraint(
      'instance_settings_registration_mode_valid',
      sql`registration_mode in ('open', 'invitation', 'approval', 'closed')`,
    )
    .execute();
  await db.insertInto('instance_settings').values({ id: 1, name: 'Entraide', description: '' }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('instance_settings').execute();
}
