import { useQuery } from '@tanstack/react-query';
import { type Dashboard as DashboardData, type EligibilityAccuracyReport, get } from '../api';
import { moneyList } from '../format';
import { ErrorBanner, Loading } from '../ui';
import { GrowthSection } from './growth';
import { PayoutFigures } from './payout-measures';

const SERIES = [
  { key: 'created', label: 'Claims created', color: '#a5b4fc' },
  { key: 'approved', label: 'Approved', color: '#4f46e5' },
  { key: 'sent', label: 'Sent', color: '#16a34a' },
  { key: 'flagged', label: 'Flagged', color: '#f59e0b' },
] as const;

function WeeklyChart({ weekly }: { weekly: DashboardData['weekly'] }) {
  const width = 720;
  const height = 180;
  const pad = 24;
  const max = Math.max(1, ...weekly.flatMap((w) => SERIES.map((s) => w[s.key])));
  const slot = (width - pad) / Math.max(1, weekly.length);
  const bar = Math.max(2, (slot - 8) / SERIES.length);
  return (
    <figure style={{ margin: 0 }}>
      <svg className="chart" viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label="Claims per week">
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line
              x1={pad}
              x2={width}
              y1={height - f * (height - 10)}
              y2={height - f * (height - 10)}
              stroke="#e3e6ee"
            />
            <text x={0} y={height - f * (height - 10) + 4}>
              {Math.round(f * max)}
            </text>
          </g>
        ))}
        {weekly.map((week, i) => (
          <g key={week.weekStart}>
            {SERIES.map((s, j) => {
              const h = (week[s.key] / max) * (height - 10);
              return (
                <rect
                  key={s.key}
                  x={pad + i * slot + 4 + j * bar}
                  y={height - h}
                  width={bar - 1}
                  height={h}
                  fill={s.color}
                  rx={1}
                />
              );
            })}
            {i % Math.ceil(weekly.length / 6) === 0 ? (
              <text x={pad + i * slot + 4} y={height + 16}>
                {new Date(week.weekStart).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}
              </text>
            ) : null}
          </g>
        ))}
      </svg>
      <figcaption className="legend">
        {SERIES.map((s) => (
          <span key={s.key}>
            <i style={{ background: s.color }} />
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function CostChart({ weekly, currency }: { weekly: DashboardData['weekly']; currency: string }) {
  const width = 720;
  const height = 150;
  const values = weekly.map((w) => w.rewardCost.find((c) => c.currency === currency)?.amount ?? 0);
  const max = Math.max(1, ...values);
  const step = (width - 20) / Math.max(1, values.length - 1);
  const points = values.map((v, i) => `${10 + i * step},${height - (v / max) * (height - 12)}`).join(' ');
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height + 6}`}
      role="img"
      aria-label={`Reward cost per week in ${currency}`}
    >
      <line x1={10} x2={width} y1={height} y2={height} stroke="#e3e6ee" />
      <polyline points={points} fill="none" stroke="#4f46e5" strokeWidth={2.5} />
      {values.map((v, i) => (
        <circle
          key={weekly[i]?.weekStart}
          cx={10 + i * step}
          cy={height - (v / max) * (height - 12)}
          r={3}
          fill="#4f46e5"
        />
      ))}
    </svg>
  );
}

export function Dashboard() {
  const data = useQuery({
    queryKey: ['dashboard'],
    queryFn: () => get<DashboardData>('/v1/reports/dashboard?weeks=12'),
  });
  const accuracy = useQuery({
    queryKey: ['accuracy'],
    queryFn: () => get<EligibilityAccuracyReport>('/v1/reports/eligibility-accuracy'),
  });
  if (data.isPending) return <Loading />;
  if (data.error) return <ErrorBanner error={data.error} />;
  const t = data.data.totals;
  const pct = (n: number) => (t.claimsCreated ? `${Math.round((n / t.claimsCreated) * 100)}%` : '—');
  const currency = t.rewardCost[0]?.currency ?? 'USD';
  const figures = [
    ['Claims created', String(t.claimsCreated)],
    ['Approved', String(t.approved)],
    ['Flagged', `${t.flagged} · ${pct(t.flagged)}`],
    ['Disputed attribution', `${t.disputed} · ${pct(t.disputed)}`],
    ['Duplicate claims', String(t.duplicates)],
    ['Partner exceptions', String(t.exceptions)],
    ['Sent', String(t.sent)],
    [
      'Median conversion → sent',
      t.medianHoursToSent === null
        ? '—'
        : t.medianHoursToSent < 48
          ? `${t.medianHoursToSent} h`
          : `${Math.round(t.medianHoursToSent / 24)} days`,
    ],
    ['Reward cost', moneyList(t.rewardCost)],
    ['Referred revenue', moneyList(t.referredRevenue)],
    ['Open recovery tasks', String(t.openRecoveryTasks)],
    [
      'Eligibility accuracy',
      accuracy.data?.accuracyPercent == null
        ? '—'
        : `${accuracy.data.accuracyPercent}% of ${accuracy.data.rewardsSent}`,
    ],
  ];
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Dashboard</h1>
          <p>
            The last {data.data.weeks} weeks: claims, decisions, payout time, and what rewards cost against the revenue
            they brought.
          </p>
        </div>
      </div>
      <div className="figures">
        {figures.map(([label, value]) => (
          <div key={label} className="card figure">
            <div className="value" style={String(value).length > 14 ? { fontSize: 17 } : undefined}>
              {value}
            </div>
            <div className="label">{label}</div>
          </div>
        ))}
      </div>
      <section className="card" style={{ marginTop: 14 }}>
        <h2>Claims per week</h2>
        <WeeklyChart weekly={data.data.weekly} />
      </section>
      <section className="card">
        <h2>Reward cost per week ({currency})</h2>
        <CostChart weekly={data.data.weekly} currency={currency} />
      </section>
      <PayoutFigures />
      <GrowthSection />
    </>
  );
}
