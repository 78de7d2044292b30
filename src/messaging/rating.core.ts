/**
 * A referrer's rating of the thank-you (1-5): by a signed link in the email, or by texting a
 * digit back. An opt-out keyword always wins: a text with STOP in it is never read as a rating.
 */
import { SMS_OPT_OUT_WORDS } from './consent.core.js';

export const RATING_SCORES = [1, 2, 3, 4, 5] as const;

/** "5", " 4 ", "3!" -> the score; anything else (words, "10", "5 stop") -> null. */
export function ratingReply(body: string): number | null {
  const upper = body.toUpperCase();
  if (SMS_OPT_OUT_WORDS.some((word) => upper.includes(word))) return null;
  const match = /^\s*([1-5])\s*[.!]*\s*$/.exec(body);
  return match ? Number(match[1]) : null;
}

export function parseScore(value: unknown): number | null {
  const text = typeof value === 'string' ? value.trim() : '';
  return /^[1-5]$/.test(text) ? Number(text) : null;
}

/** How long after a thank-you a texted digit still counts as its rating. */
export const SMS_RATING_WINDOW_MS = 30 * 86_400_000;
