import { useMutation, useQueryClient } from '@tanstack/react-query';
import { parse } from 'csv-parse/browser/esm/sync';
import { type ChangeEvent, useState } from 'react';
import { IMPORT_KINDS, type ImportKind, importColumns } from '../../../src/imports/import.core.js';
import { type ImportResult, postCsv } from '../api';
import { useCan } from '../app';
import { humanize } from '../format';
import { Empty, ErrorBanner, toast } from '../ui';

const ABOUT: Record<ImportKind, string> = {
  participants:
    'Referrers and customers. Each row needs a name and an externalId or email, so importing the file again recognises them.',
  referrals:
    'Who referred whom. Name each side by id, externalId or email (referrerEmail, referredExternalId…); source defaults to import.',
  conversions:
    'Sales and refunds, through the same claim engine as the API. Amounts as people write them (1500.00 USD, 1500 JPY), or amountMinor.',
};

const PREVIEW_ROWS = 10;
const NEWLINE = /\r\n|\r|\n/g;

interface Preview {
  header: string[];
  rows: { line: number; cells: string[] }[];
}

/** The first rows of the file, numbered by line as the server numbers them (quoted newlines count). */
function previewOf(text: string): Preview | null {
  try {
    const records = parse(text.slice(0, 256 * 1024), {
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      to: PREVIEW_ROWS + 1,
    }) as unknown as { record: string[]; info: { empty_lines: number } }[];
    let before = 0;
    const numbered = records.map(({ record, info }) => {
      const line = before + info.empty_lines + 1;
      before += 1 + record.reduce((sum, cell) => sum + (cell.match(NEWLINE)?.length ?? 0), 0);
      return { line, cells: record };
    });
    const [header, ...rows] = numbered;
    return header ? { header: header.cells, rows } : null;
  } catch {
    return null; // the dry run says what is wrong with the file
  }
}

function Figures({ result }: { result: ImportResult }) {
  const figures = [
    ['Rows', result.rows],
    ['Valid', result.valid],
    ['Invalid', result.invalid],
    ['Already there', result.existing],
    ...(result.dryRun ? [] : [['Imported', result.imported] as const]),
  ] as const;
  return (
    <dl className="import-figures">
      {figures.map(([label, value]) => (
        <div key={label} className={label === 'Invalid' && value > 0 ? 'bad' : undefined}>
          <dt>{label}</dt>
          <dd>{value.toLocaleString()}</dd>
        </div>
      ))}
    </dl>
  );
}

function ErrorList({ result }: { result: ImportResult }) {
  if (result.errors.length === 0) return null;
  return (
    <div className="table-wrap">
      <table aria-label="Rows with problems">
        <thead>
          <tr>
            <th className="right">Line</th>
            <th>Column</th>
            <th>Problem</th>
          </tr>
        </thead>
        <tbody>
          {result.errors.map((error, index) => (
            <tr key={`${error.line}-${error.field}-${index}`}>
              <td className="right nowrap">{error.line}</td>
              <td>
                <code>{error.field}</code>
              </td>
              <td>{error.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PreviewTable({ preview, badLines }: { preview: Preview; badLines: Set<number> }) {
  return (
    <div className="table-wrap">
      <table aria-label="The first rows of the file">
        <thead>
          <tr>
            <th className="right">Line</th>
            {preview.header.map((name, index) => (
              <th key={index}>{name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((row) => (
            <tr key={row.line} className={badLines.has(row.line) ? 'import-bad-row' : undefined}>
              <td className="right nowrap">
                {row.line}
                {badLines.has(row.line) ? <span className="badge bad import-flag">problem</span> : null}
              </td>
              {preview.header.map((_, index) => (
                <td key={index}>{row.cells[index] ?? ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Imports() {
  const { may, role } = useCan();
  if (role && !may('imports:write')) {
    return (
      <Empty title="Imports are for owners and finance">
        <p>Ask an owner or someone in finance to import the file.</p>
      </Empty>
    );
  }
  return <ImportFlow />;
}

function ImportFlow() {
  const client = useQueryClient();
  const [kind, setKind] = useState<ImportKind>('participants');
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);
  // A new key empties the file input, so the same file can be chosen again.
  const [inputKey, setInputKey] = useState(0);
  const check = useMutation({
    mutationFn: (body: { kind: ImportKind; text: string }) =>
      postCsv<ImportResult>(`/v1/imports/${body.kind}?dryRun=true`, body.text),
  });
  const run = useMutation({
    mutationFn: (body: { kind: ImportKind; text: string; skipInvalid: boolean }) =>
      postCsv<ImportResult>(`/v1/imports/${body.kind}${body.skipInvalid ? '?skipInvalid=true' : ''}`, body.text),
    onSuccess: (result) => {
      toast(`Imported ${result.imported.toLocaleString()} ${kind}.`);
      client.invalidateQueries();
    },
  });
  const restart = (next: { kind: ImportKind; file: { name: string; text: string } | null }) => {
    run.reset();
    check.reset();
    if (next.file) check.mutate({ kind: next.kind, text: next.file.text });
  };
  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0];
    if (!chosen) return;
    const next = { name: chosen.name, text: await chosen.text() };
    setFile(next);
    restart({ kind, file: next });
  };
  const preview = file ? previewOf(file.text) : null;
  const checked = check.data;
  const done = run.data;
  const badLines = new Set((done ?? checked)?.errors.map((error) => error.line) ?? []);
  const toWrite = checked ? checked.valid - checked.existing : 0;
  const blocked = !!checked && checked.invalid > 0 && !skipInvalid;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Import</h1>
          <p>
            Bring participants, referrals and sales from a spreadsheet or another system: every row is checked before
            anything is written.
          </p>
        </div>
      </div>
      <section className="card stack" aria-labelledby="import-file">
        <h2 id="import-file">1. Choose a CSV file</h2>
        <div className="form-grid">
          <label className="field">
            The file holds
            <select
              value={kind}
              onChange={(event) => {
                const next = IMPORT_KINDS.find((k) => k === event.target.value) ?? 'participants';
                setKind(next);
                restart({ kind: next, file });
              }}
            >
              {IMPORT_KINDS.map((k) => (
                <option key={k} value={k}>
                  {humanize(k)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            CSV file
            <input key={inputKey} type="file" accept=".csv,text/csv" onChange={choose} />
          </label>
        </div>
        <p className="muted small">{ABOUT[kind]}</p>
        <p className="faint">
          The first line names the columns: {importColumns(kind).join(', ')}. Unknown columns are refused.
        </p>
      </section>

      {file ? (
        <section className="card stack" aria-labelledby="import-check">
          <h2 id="import-check">2. Check {file.name}</h2>
          <ErrorBanner error={check.error} />
          {check.isPending ? <p className="muted">Checking every row…</p> : null}
          {checked && !done ? (
            <>
              <Figures result={checked} />
              {checked.invalid === 0 ? (
                <div className="banner ok">
                  Every row is valid.{' '}
                  {toWrite > 0
                    ? `${toWrite.toLocaleString()} will be imported.`
                    : 'Everything in it is already here: nothing new to import.'}
                </div>
              ) : (
                <div className="banner error" role="alert">
                  {checked.invalid.toLocaleString()} row{checked.invalid === 1 ? ' has' : 's have'} problems, listed
                  below by line. Fix the file and choose it again, or import only the valid rows.
                </div>
              )}
            </>
          ) : null}
          {preview && preview.rows.length > 0 ? (
            <>
              <h3>The first rows</h3>
              <PreviewTable preview={preview} badLines={badLines} />
            </>
          ) : null}
          {checked && !done && checked.errors.length > 0 ? (
            <>
              <h3>Problems</h3>
              <ErrorList result={checked} />
            </>
          ) : null}
        </section>
      ) : null}

      {file && checked && !done ? (
        <section className="card stack" aria-labelledby="import-run">
          <h2 id="import-run">3. Import</h2>
          {checked.invalid > 0 ? (
            <label className="check">
              <input type="checkbox" checked={skipInvalid} onChange={(event) => setSkipInvalid(event.target.checked)} />
              Skip the {checked.invalid.toLocaleString()} invalid row{checked.invalid === 1 ? '' : 's'} and import the
              valid ones
            </label>
          ) : null}
          <ErrorBanner error={run.error} />
          <div>
            <button
              type="button"
              className="primary"
              disabled={blocked || toWrite === 0 || run.isPending}
              onClick={() => run.mutate({ kind, text: file.text, skipInvalid })}
            >
              {run.isPending ? 'Importing…' : `Import ${toWrite.toLocaleString()} ${kind}`}
            </button>
          </div>
        </section>
      ) : null}

      {done ? (
        <section className="card stack" aria-labelledby="import-done">
          <h2 id="import-done">Imported</h2>
          <div className="banner ok" role="status">
            {done.imported.toLocaleString()} {kind} imported
            {done.existing > 0 ? `, ${done.existing.toLocaleString()} were already here` : ''}
            {done.invalid > 0 ? `, ${done.invalid.toLocaleString()} invalid rows skipped` : ''}.
          </div>
          <Figures result={done} />
          <ErrorList result={done} />
          <div>
            <button
              type="button"
              onClick={() => {
                setFile(null);
                setInputKey((n) => n + 1);
                setSkipInvalid(false);
                run.reset();
                check.reset();
              }}
            >
              Import another file
            </button>
          </div>
        </section>
      ) : null}
    </>
  );
}
