import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { TAX_FORM_TYPES } from '../../../src/payouts/tax.core.js';
import type { ParticipantPayouts } from '../../../src/payouts/tax.schema.js';
import { get, put } from '../api';
import { useCan } from '../app';
import { date, money } from '../format';
import { ErrorBanner, toast } from '../ui';

/**
 * A referrer's money on their page: lifetime value (what the customers they brought paid, net of
 * refunds, minus the rewards paid to them), what they were paid this year, and the tax form on file
 * (finance records which form arrived and when; never a tax id).
 */
export function PayoutsAndTax({ participantId, name }: { participantId: string; name: string }) {
  const can = useCan();
  const client = useQueryClient();
  const data = useQuery({
    queryKey: ['participant-payouts', participantId],
    queryFn: () => get<ParticipantPayouts>(`/v1/participants/${participantId}/payouts`),
  });
  const [type, setType] = useState<(typeof TAX_FORM_TYPES)[number]>('W-9');
  const [receivedOn, setReceivedOn] = useState(() => new Date().toISOString().slice(0, 10));
  const record = useMutation({
    mutationFn: () =>
      put<ParticipantPayouts>(`/v1/participants/${participantId}/tax-form`, {
        type,
        receivedAt:
          new Date(`${receivedOn}T12:00:00Z`) > new Date() ? new Date().toISOString() : `${receivedOn}T12:00:00Z`,
      }),
    onSuccess: (next) => {
      client.setQueryData(['participant-payouts', participantId], next);
      toast(`${type} recorded for ${name}: their tax flags can be resolved now`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    record.mutate();
  };
  const value = data.data?.lifetimeValue ?? [];
  return (
    <div className="grid-2" style={{ marginTop: 14 }}>
      <section className="card" aria-label="Lifetime value">
        <h2>Lifetime value as a referrer</h2>
        <ErrorBanner error={data.error} />
        {data.data && value.length === 0 ? <p className="muted">No sales from customers {name} referred yet.</p> : null}
        {value.map((row) => (
          <div key={row.currency} className="facts">
            <span>
              Value <b>{money(row.value, row.currency)}</b>
            </span>
            <span>
              Referred revenue <b>{money(row.referredRevenue, row.currency)}</b>
            </span>
            <span>
              Refunded <b>{money(row.refunded, row.currency)}</b>
            </span>
            <span>
              Rewards paid <b>{money(row.rewardsPaid, row.currency)}</b>
            </span>
          </div>
        ))}
      </section>
      <section className="card stack" aria-label="Tax form">
        <h2>Tax form</h2>
        {data.data ? (
          <div className="facts" style={{ marginTop: 0 }}>
            <span>
              On file{' '}
              <b>
                {data.data.taxForm
                  ? `${data.data.taxForm.type}, received ${date(data.data.taxForm.receivedAt)}`
                  : 'none'}
              </b>
            </span>
            <span>
              Paid this year{' '}
              <b>
                {data.data.paidThisYear.length === 0
                  ? 'nothing'
                  : data.data.paidThisYear.map((paid) => money(paid.amount, paid.currency)).join(' + ')}
              </b>
            </span>
          </div>
        ) : null}
        {can.may('payouts:manage') ? (
          <form className="row" onSubmit={submit} aria-label="Record tax form">
            <label className="field">
              Form
              <select
                aria-label="Tax form type"
                value={type}
                onChange={(e) => setType(e.target.value as (typeof TAX_FORM_TYPES)[number])}
              >
                {TAX_FORM_TYPES.map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              Received on
              <input type="date" value={receivedOn} onChange={(e) => setReceivedOn(e.target.value)} />
            </label>
            <button type="submit" disabled={record.isPending}>
              Record form
            </button>
          </form>
        ) : null}
        <ErrorBanner error={record.error} />
      </section>
    </div>
  );
}
