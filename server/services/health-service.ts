import { pingDatabase } from '../db/connection.ts';
import type { ServiceDeps } from './context.ts';

export function createHealthService({ db }: ServiceDeps) {
  return {
    databaseAnswers(): Promise<boolean> {
      return pingDatabase(db);
    },
  };
}
