import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { PayoutBatch } from '../../../src/payouts/payout-batch.schema.js';
import type { TaxReport } from '../../../src/payouts/tax.schema.js';
import { get, type Page, post } from '../api';
import { useCan } from '../app';
import { dateTime, money } from '../format';
import { Link, useLocation } from '../router';
import { Empty, ErrorBanner, Loading, toast } from '../ui';

const STATUS_TONE: Record<PayoutBatch['status'], string> = {
  draft: 'warn',
  approved: 'info',
  paid: 'good',
  cancelled: '',
};
const STATUS_WORD: Record<PayoutBatch['status'], string> = {
  draft: 'Draft · waiting for approval',
  approved: 'Approved · export and pay',
  paid: 'Paid',
  cancelled: 'Cancelled',
};

function BatchStatus({ status }: { status: PayoutBatch['status'] }) {
  return <span className={`badge ${STATUS_TONE[status]}`}>{STATUS_WORD[status]}</span>;
}

function SubNav() {
  const { path } = useLocation();
  return (
    <nav className="subnav" aria-label="Payouts">
      <Link to="/payouts" current={path !== '/payouts/tax'}>
        Batches
      </Link>
      <Link to="/payouts/tax" current={path === '/payouts/tax'}>
        Tax report
      </Link>
    </nav>
  );
}

function DraftForm({ onDone }: { onDone: (batch: PayoutBatch) => void }) {
  const [currency, setCurrency] = useState('USD');
  const [note, setNote] = useState('');
  const draft = useMutation({
    mutationFn: () => post<PayoutBatch>('/v1/payout-batches', { currency, ...(note ? { note } : {}) }),
    onSuccess: onDone,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    draft.mutate();
  };
  return (
    <form className="card stack" onSubmit={submit} aria-label="Draft a payout batch">
      <h2>Draft a payout batch</h2>
      <p className="faint">
        Takes every approved gift card, commission share and custom reward in the currency that is not in another batch,
        one line per payee. Someone other than you approves it.
      </p>
      <div className="form-grid">
        <label className="field">
          Currency
          <input maxLength={3} value={currency} onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
        </label>
        <label className="field">
          Note (optional)
          <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="e.g. March payouts" />
        </label>
      </div>
      <ErrorBanner error={draft.error} />
      <div>
        <button className="primary" type="submit" disabled={draft.isPending}>
          {draft.isPending ? 'Drafting…' : 'Draft batch'}
        </button>
      </div>
    </form>
  );
}

export function Payouts() {
  const can = useCan();
  const { navigate } = useLocation();
  const client = useQueryClient();
  const [drafting, setDrafting] = useState(false);
  const batches = useQuery({
    queryKey: ['payout-batches'],
    queryFn: () => get<Page<PayoutBatch>>('/v1/payout-batches?limit=50'),
  });
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Payouts</h1>
          <p>
            Finance's payout run: draft a batch, a second person approves it, export it to the bank or PayPal, mark it
            paid.
          </p>
        </div>
        {can.may('payouts:manage') ? (
          <button type="button" className="primary" onClick={() => setDrafting((v) => !v)} aria-expanded={drafting}>
            {drafting ? 'Close' : 'Draft a batch'}
          </button>
        ) : null}
      </div>
      <SubNav />
      {drafting ? (
        <DraftForm
          onDone={(batch) => {
            client.invalidateQueries({ queryKey: ['payout-batches'] });
            // The queue shows which rewards a batch holds.
            client.invalidateQueries({ queryKey: ['rewards'] });
            toast(`Batch drafted: ${money(batch.total, batch.currency)} to ${batch.payees} payee(s)`);
            navigate(`/payouts/${batch.id}`);
          }}
        />
      ) : null}
      <ErrorBanner error={batches.error} />
      {batches.isPending ? <Loading /> : null}
      {batches.data && batches.data.items.length === 0 ? (
        <Empty title="No payout batches yet">
          Draft one when rewards are approved, or set a payout day in Settings → Program rules.
        </Empty>
      ) : null}
      {batches.data && batches.data.items.length > 0 ? (
        <div className="card" style={{ marginTop: drafting ? 14 : 0 }}>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Batch</th>
                  <th>Status</th>
                  <th>Drafted by</th>
                  <th className="right">Payees</th>
                  <th className="right">Total</th>
                </tr>
              </thead>
              <tbody>
                {batches.data.items.map((batch) => (
                  <tr key={batch.id}>
                    <td>
                      <Link to={`/payouts/${batch.id}`}>{dateTime(batch.createdAt)}</Link>
                      <div className="faint">{batch.note ?? batch.id}</div>
                    </td>
                    <td>
                      <BatchStatus status={batch.status} />
                    </td>
                    <td>{batch.maker.name}</td>
                    <td className="right">{batch.payees}</td>
                    <td className="right nowrap">{money(batch.total, batch.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </>
  );
}

/** Who made it, who may approve, who approved: maker-checker in plain sight. */
function MakerChecker({ batch, onChange }: { batch: PayoutBatch; onChange: (batch: PayoutBatch) => void }) {
  const [note, setNote] = useState('');
  const approve = useMutation({
    mutationFn: () => post<PayoutBatch>(`/v1/payout-batches/${batch.id}/approve`, note ? { note } : {}),
    onSuccess: (next) => {
      setNote('');
      toast(next.status === 'approved' ? 'Batch approved: it is frozen now' : 'Approval recorded: one more needed');
      onChange(next);
    },
  });
  const { approval } = batch;
  return (
    <section className="card stack" aria-label="Maker-checker">
      <h2>Maker-checker</h2>
      <dl className="evidence">
        <dt>Drafted by</dt>
        <dd>
          {batch.maker.name} · {dateTime(batch.createdAt)}
        </dd>
        <dt>Approvals needed</dt>
        <dd>
          {approval.required === 2 ? 'Two different people (above the two-person amount)' : 'One person'}, never the one
          who drafted it
        </dd>
        <dt>May approve</dt>
        <dd>
          {batch.status === 'draft'
            ? `Finance or an owner other than ${[batch.maker.name, ...approval.approvers.map((a) => a.name)].join(', ')}${approval.remaining > 0 ? ` (${approval.remaining} more needed)` : ''}`
            : 'Nobody: it is no longer a draft'}
        </dd>
        <dt>Approved by</dt>
        <dd>
          {approval.approvers.length === 0
            ? 'Nobody yet'
            : approval.approvers
                .map((a) => `${a.name} (${a.role}, ${dateTime(a.at)})${a.note ? `: ${a.note}` : ''}`)
                .join('; ')}
        </dd>
        {batch.checksum ? (
          <>
            <dt>Checksum</dt>
            <dd>
              <span className="mono small">{batch.checksum.slice(0, 16)}…</span>{' '}
              {batch.checksumMatches ? (
                <span className="badge good">matches what was approved</span>
              ) : (
                <span className="badge bad">does not match: do not pay</span>
              )}
            </dd>
          </>
        ) : null}
      </dl>
      {batch.status === 'draft' ? (
        approval.youMayApprove ? (
          <div className="row">
            <input
              aria-label="Approval note"
              placeholder="Note (optional)"
              value={note}
              onChange={(e) => setNote(e.target.value)}
              style={{ flex: 1, minWidth: 200 }}
            />
            <button type="button" className="primary" onClick={() => approve.mutate()} disabled={approve.isPending}>
              {approval.remaining === 2 || approval.required === 1 ? 'Approve batch' : 'Approve (second person)'}
            </button>
          </div>
        ) : (
          <p className="banner">You cannot approve this batch: {approval.whyNot}</p>
        )
      ) : null}
      <ErrorBanner error={approve.error} />
    </section>
  );
}

function PayAndCancel({ batch, onChange }: { batch: PayoutBatch; onChange: (batch: PayoutBatch) => void }) {
  const [reference, setReference] = useState('');
  const [reason, setReason] = useState('');
  const paid = useMutation({
    mutationFn: () => post<PayoutBatch>(`/v1/payout-batches/${batch.id}/mark-paid`, { reference }),
    onSuccess: (next) => {
      toast(`Marked paid: ${next.rewards} reward(s) sent, thank-yous queued`);
      onChange(next);
    },
  });
  const cancel = useMutation({
    mutationFn: () => post<PayoutBatch>(`/v1/payout-batches/${batch.id}/cancel`, { reason }),
    onSuccess: (next) => {
      toast('Batch cancelled: its rewards are free again');
      onChange(next);
    },
  });
  const open = batch.status === 'draft' || batch.status === 'approved';
  return (
    <section className="card stack" aria-label="Export and pay">
      <h2>Export and pay</h2>
      {batch.status === 'approved' || batch.status === 'paid' ? (
        <div className="row">
          <a className="button" href={`/v1/payout-batches/${batch.id}/export.csv?format=generic`} download>
            Download CSV
          </a>
          <a className="button" href={`/v1/payout-batches/${batch.id}/export.csv?format=paypal`} download>
            PayPal Payouts file
          </a>
        </div>
      ) : (
        <p className="faint">The files can be downloaded once the batch is approved.</p>
      )}
      {batch.status === 'approved' ? (
        <form
          className="row"
          aria-label="Mark paid"
          onSubmit={(event) => {
            event.preventDefault();
            paid.mutate();
          }}
        >
          <label className="field" style={{ flex: 1, minWidth: 220 }}>
            Payment reference (bank transfer or PayPal batch id)
            <input required value={reference} onChange={(e) => setReference(e.target.value)} />
          </label>
          <button className="primary" type="submit" disabled={paid.isPending || !reference}>
            Mark paid
          </button>
        </form>
      ) : null}
      {batch.status === 'paid' ? (
        <p>
          Paid {dateTime(batch.paidAt)} by {batch.paidByName}, reference <strong>{batch.paidReference}</strong>.
        </p>
      ) : null}
      {batch.status === 'cancelled' ? (
        <p>
          Cancelled {dateTime(batch.cancelledAt)} by {batch.cancelledByName}: {batch.cancelReason}
        </p>
      ) : null}
      {open ? (
        <form
          className="row"
          aria-label="Cancel batch"
          onSubmit={(event) => {
            event.preventDefault();
            cancel.mutate();
          }}
        >
          <label className="field" style={{ flex: 1, minWidth: 220 }}>
            Reason to cancel
            <input required value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit" disabled={cancel.isPending || !reason}>
            Cancel batch
          </button>
        </form>
      ) : null}
      <ErrorBanner error={paid.error ?? cancel.error} />
    </section>
  );
}

export function PayoutBatchDetail({ id }: { id: string }) {
  const client = useQueryClient();
  const can = useCan();
  const batch = useQuery({
    queryKey: ['payout-batch', id],
    queryFn: () => get<PayoutBatch>(`/v1/payout-batches/${id}`),
  });
  if (batch.error) return <ErrorBanner error={batch.error} />;
  if (!batch.data) return <Loading />;
  const data = batch.data;
  const update = (next: PayoutBatch) => {
    client.setQueryData(['payout-batch', id], next);
    client.invalidateQueries({ queryKey: ['payout-batches'] });
    // Paid or cancelled: the rewards' statuses, counts and the dashboard moved with it.
    for (const key of ['rewards', 'counts', 'dashboard', 'payout-measures'])
      client.invalidateQueries({ queryKey: [key] });
  };
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Payout batch · {money(data.total, data.currency)}</h1>
          <p>
            <BatchStatus status={data.status} /> {data.payees} payee(s), {data.rewards} reward(s), approved up to{' '}
            {dateTime(data.through)}
            {data.note ? ` · ${data.note}` : ''}
          </p>
        </div>
        <Link to="/payouts">All batches</Link>
      </div>
      <div className="grid-2">
        <MakerChecker batch={data} onChange={update} />
        {can.may('payouts:manage') ? <PayAndCancel batch={data} onChange={update} /> : null}
      </div>
      <section className="card" style={{ marginTop: 14 }} aria-label="Lines">
        <h2>Lines</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Payee</th>
                <th>Email</th>
                <th>Rewards</th>
                <th className="right">Amount</th>
              </tr>
            </thead>
            <tbody>
              {data.lines.map((line) => (
                <tr key={line.participantId}>
                  <td>
                    <Link to={`/participants/${line.participantId}`}>{line.name}</Link>
                  </td>
                  <td>{line.email ?? <span className="badge warn">no email</span>}</td>
                  <td>
                    {line.rewardIds.map((rewardId, i) => (
                      <span key={rewardId}>
                        {i > 0 ? ', ' : ''}
                        <Link to={`/rewards/${rewardId}`}>{`#${i + 1}`}</Link>
                      </span>
                    ))}
                  </td>
                  <td className="right nowrap">{money(line.amount, data.currency)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th colSpan={3}>Total</th>
                <th className="right nowrap">{money(data.total, data.currency)}</th>
              </tr>
            </tfoot>
          </table>
        </div>
        {data.removed.length > 0 ? (
          <div className="stack" style={{ marginTop: 12 }}>
            <h3>Taken out before payment</h3>
            <ul>
              {data.removed.map((item) => (
                <li key={item.rewardId}>
                  <Link to={`/rewards/${item.rewardId}`}>{item.name}</Link>, {money(item.amount, data.currency)}:{' '}
                  {item.reason} ({dateTime(item.removedAt)})
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </section>
    </>
  );
}

export function TaxReportPage() {
  const [year, setYear] = useState(String(new Date().getUTCFullYear()));
  const valid = /^\d{4}$/.test(year);
  const report = useQuery({
    queryKey: ['tax-report', year],
    queryFn: () => get<TaxReport>(`/v1/reports/tax?year=${year}`),
    enabled: valid,
  });
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Payouts</h1>
          <p>Each payee's paid-out rewards in a calendar year against the tax threshold, with the form on file.</p>
        </div>
      </div>
      <SubNav />
      <div className="card stack">
        <div className="row">
          <label className="field">
            Year
            <input inputMode="numeric" maxLength={4} value={year} onChange={(e) => setYear(e.target.value)} />
          </label>
          {valid ? (
            <a className="button" href={`/v1/reports/tax.csv?year=${year}`} download>
              Download CSV
            </a>
          ) : null}
        </div>
        <ErrorBanner error={report.error} />
        {report.isPending && valid ? <Loading /> : null}
        {report.data ? (
          <>
            <p className="faint">
              Threshold {money(report.data.threshold.amount, report.data.threshold.currency)} per payee in{' '}
              {report.data.year}; counting {report.data.taxableRewardTypes.join(', ').replaceAll('_', ' ')}.
            </p>
            {report.data.payees.length === 0 ? (
              <div className="empty">
                <strong>Nobody was paid in {report.data.year}</strong>
              </div>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>Payee</th>
                      <th className="right">Rewards</th>
                      <th className="right">Paid</th>
                      <th>Tax form</th>
                      <th>Threshold</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.data.payees.map((payee) => (
                      <tr key={payee.participantId}>
                        <td>
                          <Link to={`/participants/${payee.participantId}`}>{payee.name}</Link>
                          <div className="faint">{payee.email ?? 'no email'}</div>
                        </td>
                        <td className="right">{payee.paidCount}</td>
                        <td className="right nowrap">{money(payee.paidTotal, report.data.threshold.currency)}</td>
                        <td>
                          {payee.taxForm
                            ? `${payee.taxForm.type}, received ${dateTime(payee.taxForm.receivedAt)}`
                            : 'None on file'}
                        </td>
                        <td>
                          {payee.formMissing ? (
                            <span className="badge bad">Over, form missing</span>
                          ) : payee.overThreshold ? (
                            <span className="badge warn">Over</span>
                          ) : (
                            <span className="badge">Under</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        ) : null}
      </div>
    </>
  );
}
