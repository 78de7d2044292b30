import type { Db } from './db/client.js';
import type { Clock } from './shared/clock.js';

/** What services need from the outside world, passed in (never imported as globals). */
export interface Deps {
  db: Db;
  clock: Clock;
  /** The service's outside address, for referral links and message links. */
  publicUrl: string;
}
