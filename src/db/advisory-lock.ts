import { sql } from 'drizzle-orm';
import type { Tx } from './client.js';

/**
 * A transaction-scoped lock on a name. Used where two transactions must see each other's rows but
 * have no common row to lock yet: a refund and the sale it names, a conversion and the customer
 * it names by the CRM's id. Released at commit or rollback.
 */
export async function lockName(tx: Tx, name: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${name}, 0))`);
}
