import { useQuery } from '@tanstack/react-query';
import type { Credits } from '../../../src/credits/credit.schema.js';
import type { DiscountCode } from '../../../src/discount-codes/discount-code.schema.js';
import { get } from '../api';
import { date, humanize, money } from '../format';
import { Link } from '../router';
import { ErrorBanner } from '../ui';

const CODE_BADGE: Record<DiscountCode['status'], string> = {
  available: 'badge',
  issued: 'badge ok',
  redeemed: 'badge',
  // Its reward was reversed or declined: the code can no longer be used.
  void: 'badge warn',
};

const ENTRY_WORDS: Record<Credits['entries'][number]['kind'], string> = {
  issued: 'Issued',
  redeemed: 'Redeemed',
  reversed: 'Taken back (refund)',
};

/** A participant's account credit (balance and ledger) and discount codes, on their page. */
export function CreditsAndCodes({ participantId, name }: { participantId: string; name: string }) {
  const credits = useQuery({
    queryKey: ['credits', participantId],
    queryFn: () => get<Credits>(`/v1/participants/${participantId}/credits`),
  });
  const codes = useQuery({
    queryKey: ['discount-codes', participantId],
    queryFn: () => get<{ codes: DiscountCode[] }>(`/v1/participants/${participantId}/discount-codes`),
  });
  const balances = credits.data?.balances.filter((balance) => balance.amount > 0) ?? [];
  return (
    <div className="grid-2" style={{ marginTop: 14 }}>
      <section className="card" aria-label="Account credit">
        <h2>Account credit</h2>
        <ErrorBanner error={credits.error} />
        {credits.data ? (
          <>
            <div className="facts" style={{ marginTop: 0 }}>
              <span>
                Balance{' '}
                <b>
                  {balances.length === 0
                    ? 'none'
                    : balances.map((balance) => money(balance.amount, balance.currency)).join(' + ')}
                </b>
              </span>
            </div>
            {credits.data.entries.length === 0 ? (
              <p className="muted">No credit issued to {name} yet.</p>
            ) : (
              <table style={{ marginTop: 8 }}>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Entry</th>
                    <th scope="col">Amount</th>
                    <th scope="col">Reference</th>
                  </tr>
                </thead>
                <tbody>
                  {credits.data.entries.map((entry) => (
                    <tr key={entry.id}>
                      <td>{date(entry.createdAt)}</td>
                      <td>{ENTRY_WORDS[entry.kind]}</td>
                      <td>
                        {entry.kind === 'issued' ? '+' : '−'}
                        {money(entry.amount, entry.currency)}
                      </td>
                      <td className="small">
                        {entry.rewardId ? <Link to={`/rewards/${entry.rewardId}`}>reward</Link> : entry.reference}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        ) : null}
      </section>
      <section className="card" aria-label="Discount codes">
        <h2>Discount codes</h2>
        <ErrorBanner error={codes.error} />
        {codes.data?.codes.length === 0 ? <p className="muted">No discount codes given to {name} yet.</p> : null}
        {codes.data?.codes.map((code) => (
          <div key={code.code} className="spread" style={{ padding: '6px 0', borderBottom: '1px solid var(--line)' }}>
            <span>
              <code className="copy">{code.code}</code>{' '}
              <span className="faint">
                {code.issuedAt ? `given ${date(code.issuedAt)}` : ''}
                {code.expiresAt ? ` · expires ${date(code.expiresAt)}` : ''}
                {code.redeemedAt ? ` · redeemed ${date(code.redeemedAt)} (${code.redeemedReference ?? ''})` : ''}
              </span>
            </span>
            <span className="row">
              {code.rewardId ? <Link to={`/rewards/${code.rewardId}`}>reward</Link> : null}
              <span className={CODE_BADGE[code.status]}>{humanize(code.status)}</span>
            </span>
          </div>
        ))}
      </section>
    </div>
  );
}
