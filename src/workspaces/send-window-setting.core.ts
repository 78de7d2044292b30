/**
 * The send window as settings show it ("09:00"-"20:00") and as the workspace row keeps it
 * (local minutes of the day); the time maths are messaging's (send-window.core.ts).
 */
import { formatClock, parseClock } from '../messaging/send-window.core.js';

export function presentSendWindow(row: {
  sendWindowStart: number | null;
  sendWindowEnd: number | null;
}): { start: string; end: string } | null {
  if (row.sendWindowStart === null || row.sendWindowEnd === null) return null;
  return { start: formatClock(row.sendWindowStart), end: formatClock(row.sendWindowEnd) };
}

export function sendWindowColumns(window: { start: string; end: string } | null): {
  sendWindowStart: number | null;
  sendWindowEnd: number | null;
} {
  return {
    sendWindowStart: window ? parseClock(window.start) : null,
    sendWindowEnd: window ? parseClock(window.end) : null,
  };
}
