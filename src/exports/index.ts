/**
 * Exports: rewards, participants, conversions and the audit log as streamed CSV.
 * The feature's front door: other features import only from here.
 */
export { EXPORT_KINDS, type ExportKind, neutraliseCell } from './export.core.js';
export { exportRoutes } from './export.routes.js';
export { ExportQuerySchema } from './export.schema.js';
export { countExport, exportCsv, exportFilters } from './export.service.js';
