/**
 * When a marketing message (an invitation, a thank-you) may go out: inside the workspace's send
 * window, read on the wall clock of its time zone. A message queued outside the window waits for
 * the window's next opening. Pure time maths over `Intl` (no clock, no database); daylight saving
 * is handled by looking at the wall clock the instant shows, never by adding fixed offsets: on
 * the night clocks spring forward past the window's start, the window opens at the first instant
 * that is inside it (the jump); on the night they fall back, at the first time the start is shown.
 */

export interface SendWindow {
  /** IANA time zone, e.g. America/Chicago. */
  timeZone: string;
  /** Local minute of the day the window opens (0-1439) and closes (1-1440, exclusive). */
  startMinute: number;
  endMinute: number;
}

/** A workspace row's window (null: any time). */
export function sendWindowOf(row: {
  timeZone: string;
  sendWindowStart: number | null;
  sendWindowEnd: number | null;
}): SendWindow | null {
  if (row.sendWindowStart === null || row.sendWindowEnd === null) return null;
  return { timeZone: row.timeZone, startMinute: row.sendWindowStart, endMinute: row.sendWindowEnd };
}

const MINUTE = 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The minute of the day (0-1439) the wall clock shows in the time zone at this instant. */
export function localMinuteOfDay(at: Date, timeZone: string): number {
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type === 'hour') hour = Number(part.value) % 24;
    if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

/** Whether a local minute is inside the window; a window may run past midnight (22:00-06:00). */
export function minuteInWindow(minute: number, window: Pick<SendWindow, 'startMinute' | 'endMinute'>): boolean {
  const { startMinute: start, endMinute: end } = window;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

export function inSendWindow(at: Date, window: SendWindow | null): boolean {
  return !window || minuteInWindow(localMinuteOfDay(at, window.timeZone), window);
}

/**
 * The earliest instant at or after `at` inside the window (`at` itself when it is inside, or
 * when there is no window). Jumps by the wall-clock distance to the window's start; a daylight-
 * saving change on the way makes the jump land early (checked again) or late (the earliest minute
 * inside is then found by bisection between the last instant outside and the first inside).
 */
export function nextSendTime(at: Date, window: SendWindow | null): Date {
  if (inSendWindow(at, window) || !window) return at;
  let outside = at.getTime();
  // A few jumps always suffice (one per offset change on the way); the bound is only a guard.
  for (let step = 0; step < 8; step++) {
    const minute = localMinuteOfDay(new Date(outside), window.timeZone);
    const wallDistance = (window.startMinute - minute + 1440) % 1440 || 1440;
    const candidate = Math.floor(outside / MINUTE) * MINUTE + wallDistance * MINUTE;
    if (!inSendWindow(new Date(candidate), window)) {
      outside = candidate;
      continue;
    }
    // Earliest whole minute inside, between the last minute outside and `candidate`.
    let lo = Math.floor(outside / MINUTE);
    let hi = candidate / MINUTE;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (inSendWindow(new Date(mid * MINUTE), window)) hi = mid;
      else lo = mid;
    }
    return new Date(Math.max(hi * MINUTE, at.getTime()));
  }
  return at;
}

/** "09:00" -> 540; null when not a valid 24-hour time. "24:00" is the end of the day (1440). */
export function parseClock(value: string): number | null {
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(value);
  if (!match) return null;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes > 1440 ? null : minutes;
}

export function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
