import { useQuery } from '@tanstack/react-query';
import type { SatisfactionReport } from '../../../src/satisfaction/satisfaction.schema.js';
import { get } from '../api';
import { ErrorBanner, Loading } from '../ui';

const percent = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 100)}%`);

const STAGES = [
  { key: 'invitationsSent', label: 'Invitations sent', rate: null },
  { key: 'linkClicks', label: 'Link clicks', rate: 'clickRate' },
  { key: 'leads', label: 'Leads', rate: 'leadRate' },
  { key: 'conversions', label: 'Conversions', rate: 'conversionRate' },
  { key: 'rewards', label: 'Rewards sent', rate: 'rewardRate' },
] as const;

/** Referrer satisfaction (the thank-you's 1-5 rating) and the invitation → reward funnel per month. */
export function GrowthSection() {
  const report = useQuery({
    queryKey: ['growth'],
    queryFn: () => get<SatisfactionReport>('/v1/reports/growth?months=6'),
  });
  if (report.isPending) return <Loading />;
  if (report.error) return <ErrorBanner error={report.error} />;
  const s = report.data.satisfaction;
  const most = Math.max(1, ...s.distribution.map((d) => d.count));
  return (
    <div className="grid-2" style={{ marginTop: 14 }}>
      <section className="card" aria-label="Referrer satisfaction">
        <h2>Referrer satisfaction</h2>
        <div className="figures">
          <div className="figure">
            <div className="value">{s.average === null ? '—' : `${s.average} / 5`}</div>
            <div className="label">average rating</div>
          </div>
          <div className="figure">
            <div className="value">{percent(s.responseRate)}</div>
            <div className="label">
              response rate ({s.responses} of {s.thankYousSent} thank-yous)
            </div>
          </div>
        </div>
        <table aria-label="Ratings by score">
          <tbody>
            {[...s.distribution].reverse().map((d) => (
              <tr key={d.score}>
                <th scope="row" style={{ width: 40 }}>
                  {d.score}
                </th>
                <td>
                  <svg width="100%" height="12" role="img" aria-label={`${d.count} ratings of ${d.score}`}>
                    <rect width={`${(d.count / most) * 100}%`} height="12" rx="3" fill="#4f46e5" />
                  </svg>
                </td>
                <td className="right" style={{ width: 40 }}>
                  {d.count}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" aria-label="Growth funnel">
        <h2>Funnel per month</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Month</th>
                {STAGES.map((stage) => (
                  <th key={stage.key} className="right">
                    {stage.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {report.data.funnel.map((month) => (
                <tr key={month.month}>
                  <td className="nowrap">{month.month}</td>
                  {STAGES.map((stage) => (
                    <td key={stage.key} className="right">
                      {month[stage.key]}
                      {stage.rate ? <div className="faint small">{percent(month.rates[stage.rate])}</div> : null}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="faint small">Each rate is the share of the stage before it.</p>
      </section>
    </div>
  );
}
