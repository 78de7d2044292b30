import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../shared/errors.js';

/**
 * PGlite keeps the database inside this process; a second process opening the same folder would
 * corrupt it. A lock file holding the owner's pid lets the CLI say plainly that a server holds the
 * store, and a stale lock (its process gone) is taken over.
 */
export interface StoreLock {
  release(): void;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockEmbeddedStore(dataDir: string, purpose: string): StoreLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'rewardloop.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }));
      closeSync(fd);
      return {
        release() {
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: { pid?: number; purpose?: string; since?: string } = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        // A half-written lock from a crashed start: treat as stale.
      }
      if (holder.pid !== undefined && holder.pid !== process.pid && processAlive(holder.pid)) {
        throw new AppError(
          'store_in_use',
          `The embedded database in ${dataDir} is in use by another Rewardloop process ` +
            `(pid ${holder.pid}, ${holder.purpose ?? 'running'} since ${holder.since ?? 'unknown'}). ` +
            'Stop that process first, or do this through the running server (API or web app), ' +
            'or use PostgreSQL (DATABASE_URL), where many processes can share one database.',
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new AppError('store_in_use', `Could not lock the embedded database in ${dataDir}.`);
}
