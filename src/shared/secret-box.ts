import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets we must use again in clear (a provider's webhook signing secret, an API token) are kept
 * encrypted at rest with AES-256-GCM under the server's key (REWARDLOOP_SECRET_KEY). `context`
 * is bound in as associated data, so a ciphertext copied to another workspace or field does not
 * decrypt there.
 */
const VERSION = 'v1';

export function encryptSecret(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64url'), body.toString('base64url'), tag.toString('base64url')].join('.');
}

/** undefined when the ciphertext was made with another key or context (or was tampered with). */
export function decryptSecret(key: Buffer, ciphertext: string, context: string): string | undefined {
  const [version, iv, body, tag] = ciphertext.split('.');
  if (version !== VERSION || !iv || body === undefined || !tag) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * The 32-byte key from what an operator configured: 64 hex digits or 43/44 base64 characters are
 * used as they are; any other string of 32+ characters (a passphrase) is hashed to 32 bytes.
 */
export function secretKeyFrom(value: string): Buffer {
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  const decoded = /^[A-Za-z0-9+/_-]{43}=?$/.test(value) ? Buffer.from(value, 'base64url') : undefined;
  if (decoded?.length === 32) return decoded;
  return createHash('sha256').update(`rewardloop-secret-key:${value}`, 'utf8').digest();
}

/** What a secret looks like in lists: enough to tell two apart, never enough to use. */
export function secretHint(secret: string): string {
  const prefix = /^[a-z]+_/.exec(secret)?.[0] ?? '';
  return secret.length - prefix.length < 16 ? `${prefix}…` : `${prefix}…${secret.slice(-4)}`;
}
