import { type ReactNode, useEffect, useState } from 'react';
import type { FlagType } from '../../src/eligibility/eligibility.types.js';
import type { SkipReason } from '../../src/messaging/consent.core.js';
import type { RewardStatus } from '../../src/rewards/lifecycle.core.js';
import { ApiError, type MessageView } from './api';
import { FLAG_LABEL, humanize, SKIP_LABEL, STATUS_LABEL } from './format';
import { useLocation } from './router';

const STATUS_TONE: Record<RewardStatus, string> = {
  in_review: 'warn',
  pending: 'info',
  sent: 'good',
  thanked: 'good',
  declined: '',
  failed: 'bad',
  rejected: 'bad',
  reversed: 'bad',
};

export function StatusBadge({ status }: { status: RewardStatus }) {
  return <span className={`badge ${STATUS_TONE[status]}`}>{STATUS_LABEL[status]}</span>;
}

/** What a claim is for, when it is not the referrer's own: the referred person's reward, or a bonus. */
export function KindBadge({ reward }: { reward: { kind: string; milestone: number | null } }) {
  if (reward.kind === 'referred') return <span className="badge info">Referred person’s reward</span>;
  if (reward.kind === 'milestone') return <span className="badge info">Milestone bonus · {reward.milestone}</span>;
  return null;
}

export function RecommendationBadge({ value }: { value: string }) {
  const tone = value === 'eligible' ? 'good' : value === 'ineligible' ? 'bad' : 'warn';
  return <span className={`badge ${tone}`}>{humanize(value)}</span>;
}

export function FlagBadge({ type, resolved }: { type: FlagType; resolved?: boolean }) {
  return (
    <span className={`badge ${resolved ? '' : 'warn'}`}>
      {resolved ? '✓ ' : '⚑ '}
      {FLAG_LABEL[type]}
    </span>
  );
}

/** One channel's thank-you outcome, in words: "Email: delivered", "SMS: skipped (no consent)". */
export function ChannelOutcome({
  message,
}: {
  message: Pick<MessageView, 'channel' | 'status' | 'skipReason' | 'lastError'>;
}) {
  const channel = message.channel === 'sms' ? 'SMS' : 'Email';
  const tone = ['sent', 'delivered'].includes(message.status)
    ? 'good'
    : message.status === 'failed'
      ? 'bad'
      : message.status === 'skipped'
        ? ''
        : 'info';
  const detail =
    message.status === 'skipped' && message.skipReason
      ? ` (${SKIP_LABEL[message.skipReason as SkipReason] ?? message.skipReason})`
      : '';
  return (
    <span className={`badge ${tone}`} title={message.lastError ?? undefined}>
      {channel}:{' '}
      {message.status === 'sending'
        ? 'sending…'
        : message.status === 'held'
          ? 'on hold (see Settings)'
          : message.status}
      {detail}
    </span>
  );
}

export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  return (
    <div className="banner error" role="alert">
      {text}
    </div>
  );
}

/** The API's objection to one field, shown beside it (inside the field's label, so it is read with it). */
export function FieldIssue({ issues, name }: { issues: Record<string, string>; name: string }) {
  const message = issues[name];
  return message ? <span className="field-issue">{message}</span> : null;
}

/**
 * A form that could not be sent: a line to say so, and any issue of a field the form does not show
 * (so no objection goes unseen). `fields` are the paths shown beside their field, with what is under them.
 */
export function IssueBanner({ issues, fields }: { issues: Record<string, string>; fields: readonly string[] }) {
  const keys = Object.keys(issues);
  if (keys.length === 0) return null;
  const shown = (key: string) => fields.some((field) => key === field || key.startsWith(`${field}.`));
  const elsewhere = keys.filter((key) => !shown(key));
  return (
    <div className="banner error" role="alert">
      Check the marked fields.
      {elsewhere.map((key) => ` ${key}: ${issues[key]}`).join('')}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="card empty">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/** The next page of a cursor-paged list (lists never load everything at once). */
export function LoadMore({
  query,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
}) {
  if (!query.hasNextPage) return null;
  return (
    <div className="load-more">
      <button type="button" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
        {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
      </button>
    </div>
  );
}

export function Loading() {
  return <div className="card empty">Loading…</div>;
}

export function Evidence({ data }: { data: Record<string, unknown> }) {
  const entries = Object.entries(data).filter(
    ([, value]) =>
      value !== null && value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0),
  );
  if (entries.length === 0) return null;
  return (
    <dl className="evidence">
      {entries.map(([key, value]) => (
        <EvidenceRow key={key} name={key} value={value} />
      ))}
    </dl>
  );
}

function EvidenceRow({ name, value }: { name: string; value: unknown }) {
  let shown: ReactNode;
  if (typeof value === 'object' && value !== null) {
    shown = Array.isArray(value) ? (
      <span>{value.map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item))).join(', ')}</span>
    ) : (
      <Evidence data={value as Record<string, unknown>} />
    );
  } else {
    shown = String(value);
  }
  return (
    <>
      <dt>{humanize(name)}</dt>
      <dd>{shown}</dd>
    </>
  );
}

let showToast: (text: string) => void = () => {};

/** A short message about what just happened on this screen; it goes when the person moves on. */
export function toast(text: string) {
  showToast(text);
}

export function Toaster() {
  const { path } = useLocation();
  // The screen a toast was raised on: a "Recorded: …" from one screen is no news on the next.
  const [shown, setShown] = useState<{ text: string; path: string } | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    showToast = (text) => {
      setShown({ text, path: window.location.pathname });
      clearTimeout(timer);
      timer = setTimeout(() => setShown(null), 3500);
    };
    return () => clearTimeout(timer);
  }, []);
  return shown && shown.path === path ? (
    <div className="toast" role="status">
      {shown.text}
    </div>
  ) : null;
}
