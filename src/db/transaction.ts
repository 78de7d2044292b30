import type { Db, Tx } from './client.js';
import { sqlState } from './client.js';

// Deadlocks and serialization failures are the database asking us to try again; the work is
// all-or-nothing, so a retry is safe. 0A000: a statement prepared before another process changed
// a table it reads (db/statement-cache.ts prepares it afresh on the retry).
const RETRYABLE = new Set(['40P01', '40001', '0A000']);

export async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      const state = sqlState(error);
      if (!state || !RETRYABLE.has(state) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
