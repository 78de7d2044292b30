import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Executor } from '../db/client.js';
import type { Deps } from '../deps.js';
import type { Actor } from '../shared/actor.js';
import { EXPORT_COLUMNS, EXPORT_PAGE_SIZE, type ExportKind, exportRecord } from './export.core.js';
import { countExportRows, type ExportCursor, type ExportFilters, exportPage } from './export.repo.js';
import type { ExportQuery } from './export.schema.js';

export function exportFilters(query: ExportQuery): ExportFilters {
  return {
    status: query.status,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
  };
}

/**
 * The rows of an export, page by page: at most one page is in memory at a time, and the next
 * is read only when the consumer asks (a slow download slows the reading, it never buffers).
 * Pages are separate queries, not one snapshot (a transaction held for a long download would
 * hold the embedded database's only connection): rows written meanwhile may or may not appear.
 */
export async function* exportRecords(
  db: Executor,
  kind: ExportKind,
  workspaceId: string,
  filters: ExportFilters,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<(string | number)[]> {
  let cursor: ExportCursor | undefined;
  do {
    const page = await exportPage(db, kind, workspaceId, filters, cursor, pageSize);
    for (const row of page.rows) yield exportRecord(kind, row as Parameters<typeof exportRecord>[1]);
    cursor = page.cursor;
  } while (cursor);
}

/** The export as an RFC 4180 CSV stream (CRLF line ends, quotes where needed), header first. */
export function exportCsv(db: Executor, kind: ExportKind, workspaceId: string, filters: ExportFilters): Readable {
  const csv = stringify({ header: true, columns: [...EXPORT_COLUMNS[kind]], record_delimiter: 'windows' });
  return Readable.from(exportRecords(db, kind, workspaceId, filters)).pipe(csv);
}

export async function countExport(db: Executor, kind: ExportKind, workspaceId: string, filters: ExportFilters) {
  return countExportRows(db, kind, workspaceId, filters);
}

/** An export for a request: how many rows, and the CSV stream that reads them as it is sent. */
export async function startExport(deps: Deps, actor: Actor, kind: ExportKind, query: ExportQuery) {
  const filters = exportFilters(query);
  const rows = await countExportRows(deps.db, kind, actor.workspaceId, filters);
  return { rows, csv: exportCsv(deps.db, kind, actor.workspaceId, filters) };
}
