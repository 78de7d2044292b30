import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { PayoutMeasuresSchema } from '../../../src/payouts/tax.schema.js';
import { get } from '../api';
import { money, REWARD_TYPE_LABEL } from '../format';
import { ErrorBanner } from '../ui';

type PayoutMeasures = z.infer<typeof PayoutMeasuresSchema>;

function hours(value: number | null): string {
  if (value === null) return '—';
  return value < 48 ? `${value} h` : `${Math.round(value / 24)} days`;
}

/** The dashboard's payout figures: how long approved rewards wait to be paid, and what each type costs. */
export function PayoutFigures() {
  const data = useQuery({
    queryKey: ['payout-measures'],
    queryFn: () => get<PayoutMeasures>('/v1/reports/payouts?months=12'),
  });
  if (data.error) return <ErrorBanner error={data.error} />;
  if (!data.data) return null;
  const { payoutTime, costByRewardType } = data.data;
  return (
    <div className="grid-2">
      <section className="card" aria-label="Payout time">
        <h2>Payout time (approved → paid)</h2>
        {payoutTime.length === 0 ? (
          <p className="muted">Nothing paid in the last 12 months.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Month paid</th>
                <th className="right">Rewards</th>
                <th className="right">Median wait</th>
              </tr>
            </thead>
            <tbody>
              {payoutTime.map((row) => (
                <tr key={row.month}>
                  <td>{row.month}</td>
                  <td className="right">{row.rewards}</td>
                  <td className="right">{hours(row.medianHours)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card" aria-label="Cost by reward type">
        <h2>Cost by reward type</h2>
        {costByRewardType.length === 0 ? (
          <p className="muted">No approved or paid rewards in the last 12 months.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Type</th>
                <th className="right">Paid</th>
                <th className="right">Approved, not paid</th>
              </tr>
            </thead>
            <tbody>
              {costByRewardType.map((row) => (
                <tr key={`${row.rewardType}-${row.currency}`}>
                  <td>{REWARD_TYPE_LABEL[row.rewardType as keyof typeof REWARD_TYPE_LABEL] ?? row.rewardType}</td>
                  <td className="right nowrap">
                    {money(row.paid, row.currency)} · {row.paidCount}
                  </td>
                  <td className="right nowrap">{money(row.approvedUnpaid, row.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
