import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ConversionOutcome } from '../../../src/conversions/conversion.schema.js';
import { ConversionInputSchema } from '../../../src/conversions/conversion-input.schema.js';
import { CONVERSION_TYPES, type ConversionType, isReversal } from '../../../src/shared/vocabulary.js';
import { type Conversion, type ConversionResult, get, type Page, type Participant, post } from '../api';
import { useCan } from '../app';
import { dateTime, humanize, money } from '../format';
import { FormReader, type Issues } from '../forms';
import { PersonPicker } from '../picker';
import { Link } from '../router';
import { Empty, ErrorBanner, FieldIssue, IssueBanner, Loading, LoadMore, toast } from '../ui';

const FIELDS = ['referredId', 'type', 'amount', 'currency', 'occurredAt', 'externalId', 'originalExternalId'];

const OUTCOME_TONE: Record<ConversionOutcome, string> = {
  reward_created: 'good',
  duplicate_flagged: 'warn',
  already_rewarded: '',
  no_referral: '',
  not_qualifying: '',
  below_minimum: '',
  no_reward_policy: '',
  awaiting_participant: 'info',
  reversal_applied: 'bad',
  reversal_recorded: '',
  reversal_pending: 'info',
};

function RecordConversion() {
  const client = useQueryClient();
  const [customer, setCustomer] = useState<Participant | null>(null);
  const [type, setType] = useState<ConversionType>('deal_won');
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState('USD');
  const [externalId, setExternalId] = useState('');
  const [occurredOn, setOccurredOn] = useState('');
  const [original, setOriginal] = useState('');
  const [issues, setIssues] = useState<Issues>({});
  const reversal = isReversal(type);
  const record = useMutation({
    mutationFn: (body: unknown) => post<ConversionResult>('/v1/conversions', body),
    onSuccess: (result) => {
      toast(result.outcomeText);
      setAmount('');
      setExternalId('');
      setOriginal('');
      client.invalidateQueries();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const code = currency.toUpperCase();
    const body = form.check(ConversionInputSchema, {
      externalId: externalId || `manual-${Date.now()}`,
      source: 'manual',
      type,
      ...(customer ? { referredId: customer.id } : {}),
      amount: form.amount(amount, code, 'amount') ?? 0,
      currency: code,
      ...(occurredOn ? { occurredAt: new Date(`${occurredOn}T12:00:00Z`).toISOString() } : {}),
      ...(reversal && original ? { originalExternalId: original } : {}),
    });
    setIssues(form.issues);
    if (body) record.mutate(body);
  };
  return (
    <form className="card stack" onSubmit={submit} aria-label="Record a conversion">
      <h2>Record a conversion by hand</h2>
      <div className="form-grid">
        <div>
          <PersonPicker label="Referred customer" value={customer} onChange={setCustomer} />
          <FieldIssue issues={issues} name="referredId" />
        </div>
        <label className="field">
          Event
          <select
            value={type}
            onChange={(e) => setType(CONVERSION_TYPES.find((t) => t === e.target.value) ?? 'deal_won')}
          >
            {CONVERSION_TYPES.map((t) => (
              <option key={t} value={t}>
                {humanize(t)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Amount
          <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} placeholder="1250.00" />
          <FieldIssue issues={issues} name="amount" />
        </label>
        <label className="field">
          Currency
          <input maxLength={3} value={currency} onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
          <FieldIssue issues={issues} name="currency" />
        </label>
        <label className="field">
          Date (optional)
          <input type="date" value={occurredOn} onChange={(e) => setOccurredOn(e.target.value)} />
          <FieldIssue issues={issues} name="occurredAt" />
        </label>
        <label className="field">
          Reference (optional)
          <input value={externalId} onChange={(e) => setExternalId(e.target.value)} placeholder="Invoice 1042" />
          <FieldIssue issues={issues} name="externalId" />
        </label>
        {reversal ? (
          <label className="field">
            Reverses (reference)
            <input value={original} onChange={(e) => setOriginal(e.target.value)} placeholder="Invoice 1042" />
            <FieldIssue issues={issues} name="originalExternalId" />
          </label>
        ) : null}
      </div>
      <IssueBanner issues={issues} fields={FIELDS} />
      <ErrorBanner error={record.error} />
      <div>
        <button type="submit" className="primary" disabled={record.isPending}>
          Record conversion
        </button>
      </div>
    </form>
  );
}

export function Conversions() {
  const can = useCan();
  const list = useInfiniteQuery({
    queryKey: ['conversions'],
    queryFn: ({ pageParam }) =>
      get<Page<Conversion>>(`/v1/conversions?limit=25${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Conversions</h1>
          <p>
            Deals won, jobs invoiced, invoices paid, refunds — from your CRM and billing, or recorded here — and what
            each did.
          </p>
        </div>
      </div>
      {can.may('conversions:write') ? <RecordConversion /> : null}
      <div className="card" style={{ marginTop: 14 }}>
        <h2>Recent events</h2>
        <ErrorBanner error={list.error} />
        {list.isPending ? <Loading /> : null}
        {!list.isPending && items.length === 0 ? (
          <Empty title="No conversions yet">
            <p>Send them from your CRM with POST /v1/conversions, or record one above.</p>
          </Empty>
        ) : null}
        {items.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Received</th>
                  <th>Event</th>
                  <th>Customer</th>
                  <th className="right">Amount</th>
                  <th>Outcome</th>
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <tr key={c.id}>
                    <td className="nowrap">{dateTime(c.receivedAt)}</td>
                    <td>
                      {humanize(c.type)}
                      <div className="faint">
                        {c.source}/{c.externalId}
                      </div>
                    </td>
                    <td>
                      {c.referredId ? (
                        <Link to={`/participants/${c.referredId}`}>{c.referredName ?? 'view'}</Link>
                      ) : (
                        <span className="faint">{c.referredExternalId ?? '—'}</span>
                      )}
                    </td>
                    <td className="right nowrap">{money(c.amount, c.currency)}</td>
                    <td>
                      <span className={`badge ${OUTCOME_TONE[c.outcome] ?? ''}`}>{humanize(c.outcome)}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <LoadMore query={list} />
      </div>
    </>
  );
}
