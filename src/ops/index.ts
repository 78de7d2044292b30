/**
 * Operating the service: readiness, Prometheus metrics, graceful shutdown, backups of the
 * embedded store, and what the logger may print. Other features only call the `count*`
 * functions, one line where the counted thing happens.
 */
export {
  announceServer,
  backupEmbeddedStore,
  newBackupToken,
  POSTGRES_BACKUP_ADVICE,
  restoreEmbeddedStore,
  runningServerUrl,
} from './backup.js';
export { loggerOptions } from './logging.js';
export { countConversion, countProviderSend, countRewardTransition } from './metrics.js';
export { type OpsOptions, registerOps } from './ops.routes.js';
export { checkReadiness } from './readiness.js';
export { closeHttpGracefully } from './shutdown.js';

import { countConversion, countProviderSend } from './metrics.js';

/** Counts a recorded (or replayed) conversion by its outcome and hands the answer on. */
export function observeConversion<T extends { created: boolean; body: { outcome: string } }>(result: T): T {
  countConversion(result.body.outcome, !result.created);
  return result;
}

/** Counts a provider send by its outcome (or `error` when the call threw) and hands it on. */
export async function observeProviderSend<T extends { outcome: string }>(
  provider: string,
  channel: string,
  sending: Promise<T>,
): Promise<T> {
  try {
    const result = await sending;
    countProviderSend(provider, channel, result.outcome);
    return result;
  } catch (error) {
    countProviderSend(provider, channel, 'error');
    throw error;
  }
}
