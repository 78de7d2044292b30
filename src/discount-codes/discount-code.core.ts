/**
 * Discount codes as decisions: generating an unguessable code, reading an uploaded pool (one
 * code a line, an optional expiry after a comma), and whether a code may be redeemed. Codes
 * are compared in capitals: a customer typing "friend-7k2q" means FRIEND-7K2Q.
 */
export const DISCOUNT_CODE_STATUSES = ['available', 'issued', 'redeemed'] as const;
export type DiscountCodeStatus = (typeof DISCOUNT_CODE_STATUSES)[number];

/**
 * What the API and the referrer's page show: the stored status, or `void` for an issued code
 * whose reward was reversed, declined or rejected — it can no longer be redeemed.
 */
export const DISCOUNT_CODE_VIEW_STATUSES = [...DISCOUNT_CODE_STATUSES, 'void'] as const;
export type DiscountCodeViewStatus = (typeof DISCOUNT_CODE_VIEW_STATUSES)[number];

/** Reward statuses that void the reward's code (reversed after a refund or a voided referral, declined, rejected). */
export const VOIDING_REWARD_STATUSES: readonly string[] = ['reversed', 'declined', 'rejected'];

/** A code as shown: an issued code of a closed reward is void; a redeemed one stays redeemed. */
export function codeViewStatus(status: DiscountCodeStatus, rewardStatus: string | null): DiscountCodeViewStatus {
  return status === 'issued' && rewardStatus !== null && VOIDING_REWARD_STATUSES.includes(rewardStatus)
    ? 'void'
    : status;
}

export const DISCOUNT_CODE_SOURCES = ['generated', 'pool'] as const;
export type DiscountCodeSource = (typeof DISCOUNT_CODE_SOURCES)[number];

/** Crockford base32 without I, L, O, U: nothing to misread when a code is typed in. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A code from 15 random bytes' worth of base32 (75 bits: guessing one of a million live codes
 * takes ~2^55 tries), grouped in fives for reading aloud: `FRIEND-7K2QD-M9XPA-…`.
 */
export function generateCode(prefix: string | null, random: Uint8Array): string {
  if (random.length < 15) throw new Error('generateCode needs 15 random bytes');
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of random.subarray(0, 15)) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  const groups = out.slice(0, 15).match(/.{5}/g) ?? [];
  return `${prefix ?? ''}${groups.join('-')}`;
}

export function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}

const CODE_SHAPE = /^[A-Z0-9][A-Z0-9_-]{2,63}$/;

export interface PoolLine {
  line: number;
  code: string;
  expiresAt: Date | null;
}

export interface PoolProblem {
  line: number;
  message: string;
}

/**
 * Reads an uploaded pool: one code a line, optionally `,` and an expiry (an ISO date or time);
 * blank lines are skipped and a first line `code` (a header) is allowed. A code twice in the
 * file is refused with both lines; so are codes that are not 3-64 letters, digits, - or _.
 */
export function parsePool(text: string, now: Date): { codes: PoolLine[]; problems: PoolProblem[] } {
  const codes: PoolLine[] = [];
  const problems: PoolProblem[] = [];
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const problem = (message: string) => problems.push({ line, message });
    const [rawCode = '', rawExpiry, ...rest] = raw.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
    if (!rawCode && rawExpiry === undefined) continue;
    if (line === 1 && /^code$/i.test(rawCode)) continue;
    const code = normalizeCode(rawCode);
    if (rest.length > 0) {
      problem('Too many columns: give a code and, optionally, an expiry.');
      continue;
    }
    if (!CODE_SHAPE.test(code)) {
      problem(`"${rawCode.slice(0, 70)}" is not a code (3-64 letters, digits, - or _).`);
      continue;
    }
    let expiresAt: Date | null = null;
    if (rawExpiry) {
      const parsed = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(rawExpiry) ? new Date(rawExpiry) : null;
      if (!parsed || Number.isNaN(parsed.getTime())) {
        problem(`"${rawExpiry.slice(0, 40)}" is not a date (use 2026-12-31).`);
        continue;
      }
      if (parsed.getTime() <= now.getTime()) {
        problem(`${code} has already expired.`);
        continue;
      }
      expiresAt = parsed;
    }
    const first = seen.get(code);
    if (first !== undefined) {
      problem(`${code} is already on line ${first}.`);
      continue;
    }
    seen.set(code, line);
    codes.push({ line, code, expiresAt });
  }
  return { codes, problems };
}

export type RedeemDecision =
  | { ok: true }
  | { ok: false; code: 'not_found' | 'already_redeemed' | 'invalid_transition'; message: string };

/**
 * Whether an issued code can be redeemed now; a pool code not yet given to anyone is unknown to
 * a customer, and the code of a reward reversed, declined or rejected is void.
 */
export function decideRedeem(
  row: { code: string; status: DiscountCodeStatus; expiresAt: Date | null; redeemedAt: Date | null },
  now: Date,
  rewardStatus: string | null = null,
): RedeemDecision {
  if (row.status === 'available') return { ok: false, code: 'not_found', message: `No issued code ${row.code}.` };
  if (codeViewStatus(row.status, rewardStatus) === 'void') {
    return {
      ok: false,
      code: 'invalid_transition',
      message: `${row.code} is void: its reward was ${rewardStatus}, so the code can no longer be redeemed.`,
    };
  }
  if (row.status === 'redeemed') {
    return {
      ok: false,
      code: 'already_redeemed',
      message: `${row.code} was already redeemed${row.redeemedAt ? ` on ${row.redeemedAt.toISOString().slice(0, 10)}` : ''}.`,
    };
  }
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) {
    return {
      ok: false,
      code: 'invalid_transition',
      message: `${row.code} expired on ${row.expiresAt.toISOString().slice(0, 10)}.`,
    };
  }
  return { ok: true };
}

/** What staff see on a discount-code reward still waiting for its code. */
export const POOL_EMPTY_NOTICE =
  'Waiting for a discount code: the code pool is empty. Upload codes in Settings → Discount codes and this reward gets the next one.';
