import { randomBytes } from 'node:crypto';

/**
 * Opaque, time-ordered ids: `<prefix>_<26 chars>` (48-bit millisecond time + 80 random bits in
 * Crockford base32, like a ULID). Time order lets lists page newest-first by id alone, and the
 * prefix tells a human what kind of object an id names.
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const ID_PREFIX = {
  workspace: 'ws',
  apiKey: 'key',
  user: 'usr',
  session: 'ses',
  participant: 'par',
  referral: 'ref',
  conversion: 'cnv',
  reward: 'rwd',
  flag: 'flg',
  approval: 'apv',
  dispute: 'dsp',
  exception: 'exc',
  recovery: 'rcv',
  message: 'msg',
  attempt: 'att',
  audit: 'evt',
  click: 'clk',
  program: 'prg',
  job: 'job',
  invitation: 'inv',
  webhookEndpoint: 'whep',
  webhookEvent: 'whmsg',
  webhookDelivery: 'whdlv',
  import: 'imp',
  payoutBatch: 'pob',
  creditEntry: 'crd',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

let lastTime = 0;
let lastRandom: Uint8Array = new Uint8Array(10);

function encodeTime(ms: number): string {
  let out = '';
  let value = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits → 16 base32 characters, 5 bits at a time.
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = CROCKFORD[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

/** Monotonic within one process: ids made in the same millisecond still sort in creation order. */
export function newId(kind: IdKind, now: number = Date.now()): string {
  let random: Uint8Array;
  if (now <= lastTime) {
    random = increment(lastRandom);
    now = lastTime;
  } else {
    random = new Uint8Array(randomBytes(10));
  }
  lastTime = now;
  lastRandom = random;
  return `${ID_PREFIX[kind]}_${encodeTime(now)}${encodeRandom(random)}`;
}

function increment(bytes: Uint8Array): Uint8Array {
  const next = new Uint8Array(bytes);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] === 255) {
      next[i] = 0;
    } else {
      next[i] = (next[i] ?? 0) + 1;
      break;
    }
  }
  return next;
}

/**
 * Referral codes are what people read aloud and type, so they avoid look-alike characters
 * (no 0/O, 1/I/L, U). 8 characters from 30 give 6.6 × 10^11 codes (~2^39): a guesser held to the
 * landing page's rate limit would need centuries to hit one of a workspace's codes.
 */
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
export const REFERRAL_CODE_LENGTH = 8;
// Rejection sampling: bytes at or above this would make some characters likelier than others.
const UNBIASED_LIMIT = 256 - (256 % CODE_ALPHABET.length);

export function newReferralCode(): string {
  let out = '';
  while (out.length < REFERRAL_CODE_LENGTH) {
    for (const byte of randomBytes(REFERRAL_CODE_LENGTH * 2)) {
      if (byte < UNBIASED_LIMIT) out += CODE_ALPHABET[byte % CODE_ALPHABET.length];
      if (out.length === REFERRAL_CODE_LENGTH) break;
    }
  }
  return out;
}

export const REFERRAL_CODE_SHAPE = new RegExp(`^[${CODE_ALPHABET}]{${REFERRAL_CODE_LENGTH}}$`);
