import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { z } from 'zod';
import type { CodePoolSchema, PoolUploadResultSchema } from '../../../../src/discount-codes/discount-code.schema.js';
import { ApiError, get } from '../../api';
import { useCan } from '../../app';
import { ErrorBanner, Loading } from '../../ui';

type CodePool = z.infer<typeof CodePoolSchema>;
type PoolUploadResult = z.infer<typeof PoolUploadResultSchema>;

/** The line problems an upload was refused with (the server names each line). */
class PoolRefused extends Error {
  constructor(
    message: string,
    readonly lines: { field: string; message: string }[],
  ) {
    super(message);
  }
}

async function uploadCodes(text: string): Promise<PoolUploadResult> {
  const response = await fetch('/v1/discount-codes/pool', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'text/csv' },
    body: text,
  });
  const data = await response.json();
  if (response.status === 400 && Array.isArray(data?.errors)) throw new PoolRefused(data.detail, data.errors);
  if (!response.ok) throw new ApiError(response.status, data?.code ?? 'error', data?.detail ?? response.statusText);
  return data as PoolUploadResult;
}

/** Settings → Discount codes: how many pool codes are left, and uploading more (owner). */
export function DiscountCodesPage() {
  const client = useQueryClient();
  const can = useCan();
  const pool = useQuery({ queryKey: ['code-pool'], queryFn: () => get<CodePool>('/v1/discount-codes/pool') });
  const [text, setText] = useState('');
  const upload = useMutation({
    mutationFn: uploadCodes,
    onSuccess: () => {
      setText('');
      client.invalidateQueries({ queryKey: ['code-pool'] });
      client.invalidateQueries({ queryKey: ['rewards'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    upload.mutate(text);
  };
  const refused = upload.error instanceof PoolRefused ? upload.error : null;
  return (
    <section className="stack" aria-label="Discount codes">
      <section className="card stack" aria-label="Code pool">
        <h2>Code pool</h2>
        <p className="faint">
          With the reward policy’s codes “from the pool”, each approved discount-code reward takes the next code in the
          order you uploaded them. Generated codes need no pool.
        </p>
        <ErrorBanner error={pool.error} />
        {pool.data ? (
          <div className="facts">
            <span>
              Codes left <b>{pool.data.available}</b>
            </span>
            <span>
              Given to rewards <b>{pool.data.issuedFromPool}</b>
            </span>
            <span>
              Redeemed <b>{pool.data.redeemed}</b>
            </span>
            <span>
              Rewards waiting for a code <b>{pool.data.waitingRewards}</b>
            </span>
          </div>
        ) : (
          <Loading />
        )}
        {pool.data && pool.data.waitingRewards > 0 ? (
          <div className="banner bad">
            {pool.data.waitingRewards} approved reward{pool.data.waitingRewards === 1 ? ' is' : 's are'} waiting for a
            code: the pool is empty. Upload codes below and they get theirs at once.
          </div>
        ) : null}
      </section>
      {can.may('settings:write') ? (
        <form className="card stack" onSubmit={submit} aria-label="Upload codes">
          <h2>Upload codes</h2>
          <label>
            One code a line, optionally a comma and an expiry date (2026-12-31)
            <textarea
              rows={8}
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder={'FRIEND-7K2QD\nFRIEND-M9XPA,2026-12-31'}
              className="copy"
            />
          </label>
          <label>
            Or choose a CSV file
            <input
              type="file"
              accept=".csv,.txt,text/csv,text/plain"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                if (file) setText(await file.text());
              }}
            />
          </label>
          <div className="row">
            <button type="submit" className="primary" disabled={upload.isPending || !text.trim()}>
              {upload.isPending ? 'Uploading…' : 'Add to the pool'}
            </button>
          </div>
          {upload.data ? (
            <div className="banner ok">
              Added {upload.data.added} code{upload.data.added === 1 ? '' : 's'}
              {upload.data.assigned ? `; ${upload.data.assigned} waiting reward(s) got theirs` : ''}.
            </div>
          ) : null}
          {refused ? (
            <div className="banner bad" role="alert">
              <p>{refused.message}</p>
              <ul>
                {refused.lines.map((line) => (
                  <li key={line.field}>
                    {line.field}: {line.message}
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <ErrorBanner error={upload.error} />
          )}
        </form>
      ) : null}
    </section>
  );
}
