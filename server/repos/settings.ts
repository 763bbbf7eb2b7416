import type { Executor } from '../db/executor.ts';
import type { InstanceSettings, RegistrationMode } from '../db/schema.ts';

export async function getSettings(db: Executor): Promise<InstanceSettings> {
  return db.selectFrom('instance_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
}

/** Locks the settings row: sign-ups take it so "first account becomes admin" cannot race. */
export async function getSettingsForUpdate(db: Executor): Promise<InstanceSettings> {
  return db.selectFrom('instance_settings').selectAll().where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
}

export async function updateSettings(
  db: Executor,
  values: { name: string; description: string; registration_mode: RegistrationMode },
): Promise<InstanceSettings> {
  return db
    .updateTable('instance_settings')
    .set({ ...values, updated_at: new Date() })
    .where('id', '=', 1)
    .returningAll()
    .executeTakeFirstOrThrow();
}
