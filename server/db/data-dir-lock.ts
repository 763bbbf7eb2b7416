// PGlite does not lock its folder, and two processes on one folder corrupt it. We hold a lock
// (a lock directory whose mtime the holder refreshes) for as long as the database is open.
// A lock left by a crashed process is taken over once it is older than STALE_MS.
import lockfile from 'proper-lockfile';
import path from 'node:path';

const STALE_MS = 10_000;

export class DataDirLockedError extends Error {
  constructor(dataDir: string) {
    super(
      `The data folder ${dataDir} is already in use by another Entraide process (lock: ${path.join(dataDir, 'server.lock')}). ` +
        `Stop that process first; if none is running, wait ${STALE_MS / 1000} seconds and start again.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, {
      lockfilePath: path.join(dataDir, 'server.lock'),
      realpath: false,
      stale: STALE_MS,
      update: STALE_MS / 2,
      retries: 0,
      onCompromised: (err) => {
        // Someone removed or took our lock: continuing would risk the data. Stop at once.
        console.error(`Lost the lock on ${dataDir}: ${err.message}. Stopping to protect the data.`);
        process.exit(1);
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataDirLockedError(dataDir);
    throw err;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await release();
    },
  };
}
