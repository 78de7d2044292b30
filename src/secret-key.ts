import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';
import { secretKeyFrom } from './shared/secret-box.js';

export const SECRET_KEY_FILE = 'secret.key';

/**
 * The server's key for secrets kept encrypted at rest (integration signing secrets and tokens).
 * REWARDLOOP_SECRET_KEY wins. The embedded store keeps a generated key beside its data (mode
 * 0600, in the same folder, so a backup of the folder restores with its key). On PostgreSQL the
 * processes share no folder, so the key must be configured: without it, integrations cannot be
 * set up (the API says so) and everything else works as before.
 */
export function loadSecretKey(config: Config): Buffer | undefined {
  if (config.secretKey) return secretKeyFrom(config.secretKey);
  if (config.databaseUrl) return undefined;
  const path = join(config.dataDir, SECRET_KEY_FILE);
  if (!existsSync(path)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(path, 0o600);
  return secretKeyFrom(readFileSync(path, 'utf8').trim());
}
