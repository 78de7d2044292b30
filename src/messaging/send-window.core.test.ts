import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  inSendWindow,
  localMinuteOfDay,
  minuteInWindow,
  nextSendTime,
  parseClock,
  type SendWindow,
} from './send-window.core.js';

// Zones with ordinary, southern-hemisphere, half-hour and 30-minute-DST rules, and none at all.
const ZONES = [
  'UTC',
  'America/Chicago',
  'America/New_York',
  'Europe/London',
  'Europe/Berlin',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/Sao_Paulo',
  'Pacific/Chatham',
];

const windowArb = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    startMinute: fc.integer({ min: 0, max: 1439 }),
    length: fc.integer({ min: 1, max: 1439 }),
  })
  .map(({ timeZone, startMinute, length }) => ({
    timeZone,
    startMinute,
    endMinute: ((startMinute + length - 1) % 1440) + 1,
  }))
  .filter((window) => window.endMinute !== window.startMinute);

// Instants across 2026 with a bias to the nights clocks change somewhere.
const instantArb = fc.oneof(
  fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
  fc
    .constantFrom(
      Date.UTC(2026, 2, 8, 6), // US spring forward
      Date.UTC(2026, 10, 1, 5), // US fall back
      Date.UTC(2026, 2, 29, 0), // EU spring forward
      Date.UTC(2026, 9, 25, 0), // EU fall back
      Date.UTC(2026, 3, 4, 14), // Sydney, Lord Howe fall back
      Date.UTC(2026, 9, 3, 14), // Sydney, Lord Howe spring forward
    )
    .chain((base) => fc.integer({ min: -36 * 60, max: 36 * 60 }).map((minutes) => base + minutes * 60_000)),
);

describe('the send window', () => {
  it('sends at once inside the window, and when there is no window', () => {
    const window: SendWindow = { timeZone: 'America/Chicago', startMinute: 9 * 60, endMinute: 20 * 60 };
    const noonChicago = new Date('2026-06-15T17:00:00Z');
    expect(nextSendTime(noonChicago, window)).toEqual(noonChicago);
    expect(nextSendTime(noonChicago, null)).toEqual(noonChicago);
  });

  it('holds a message queued at night until 09:00 local the next morning', () => {
    const window: SendWindow = { timeZone: 'America/Chicago', startMinute: 9 * 60, endMinute: 20 * 60 };
    // 21:30 in Chicago (CDT, UTC-5) on 15 June -> 09:00 CDT on 16 June = 14:00Z.
    expect(nextSendTime(new Date('2026-06-16T02:30:00Z'), window)).toEqual(new Date('2026-06-16T14:00:00Z'));
    // 06:10 local the same morning -> 09:00 that day.
    expect(nextSendTime(new Date('2026-06-16T11:10:00Z'), window)).toEqual(new Date('2026-06-16T14:00:00Z'));
  });

  it('opens at the right instant on the nights clocks change', () => {
    const chicago: SendWindow = { timeZone: 'America/Chicago', startMinute: 9 * 60, endMinute: 20 * 60 };
    // Saturday 7 March 21:00 CST -> Sunday 8 March 09:00 CDT (clocks went forward at 02:00) = 14:00Z.
    expect(nextSendTime(new Date('2026-03-08T03:00:00Z'), chicago)).toEqual(new Date('2026-03-08T14:00:00Z'));
    // Saturday 31 October 21:00 CDT -> Sunday 1 November 09:00 CST = 15:00Z.
    expect(nextSendTime(new Date('2026-11-01T02:00:00Z'), chicago)).toEqual(new Date('2026-11-01T15:00:00Z'));
    // A window opening at 02:30, which does not exist on 8 March: it opens at the jump (03:00 CDT = 08:00Z).
    const early: SendWindow = { timeZone: 'America/Chicago', startMinute: 150, endMinute: 600 };
    expect(nextSendTime(new Date('2026-03-08T07:30:00Z'), early)).toEqual(new Date('2026-03-08T08:00:00Z'));
  });

  it('handles windows that run past midnight', () => {
    expect(minuteInWindow(23 * 60, { startMinute: 22 * 60, endMinute: 6 * 60 })).toBe(true);
    expect(minuteInWindow(5 * 60, { startMinute: 22 * 60, endMinute: 6 * 60 })).toBe(true);
    expect(minuteInWindow(12 * 60, { startMinute: 22 * 60, endMinute: 6 * 60 })).toBe(false);
  });

  it('reads clock times', () => {
    expect(parseClock('09:00')).toBe(540);
    expect(parseClock('24:00')).toBe(1440);
    expect(parseClock('24:01')).toBeNull();
    expect(parseClock('9:00')).toBeNull();
    expect(parseClock('12:60')).toBeNull();
  });

  it('always answers an instant inside the window, no earlier than asked, within two days', () => {
    fc.assert(
      fc.property(windowArb, instantArb, (window, ms) => {
        const at = new Date(ms);
        const next = nextSendTime(at, window);
        expect(next.getTime()).toBeGreaterThanOrEqual(at.getTime());
        expect(inSendWindow(next, window)).toBe(true);
        // A day, or two when the whole window falls in the hour clocks skip, plus that hour.
        expect(next.getTime() - at.getTime()).toBeLessThanOrEqual((48 * 60 + 61) * 60_000);
      }),
      { numRuns: 400 },
    );
  });

  it('answers the earliest such instant: nothing in between is inside the window', () => {
    fc.assert(
      fc.property(windowArb, instantArb, fc.double({ min: 0, max: 1, noNaN: true }), (window, ms, fraction) => {
        const at = new Date(ms);
        const next = nextSendTime(at, window);
        if (next.getTime() === at.getTime()) {
          expect(inSendWindow(at, window)).toBe(true);
          return;
        }
        // The minute before the answer, and any instant between the request and it, are outside.
        const before = new Date(next.getTime() - 60_000);
        if (before.getTime() >= at.getTime()) expect(inSendWindow(before, window)).toBe(false);
        const between = new Date(at.getTime() + Math.floor((next.getTime() - at.getTime()) * fraction));
        if (between.getTime() < next.getTime()) expect(inSendWindow(between, window)).toBe(false);
        // The window opens on a whole minute.
        expect(next.getTime() % 60_000).toBe(0);
      }),
      { numRuns: 400 },
    );
  });

  it('agrees with the wall clock it reads', () => {
    expect(localMinuteOfDay(new Date('2026-01-15T15:45:00Z'), 'America/Chicago')).toBe(9 * 60 + 45);
    expect(localMinuteOfDay(new Date('2026-01-15T15:45:00Z'), 'Asia/Kolkata')).toBe(21 * 60 + 15);
  });
});
