/**
 * Imports: participants, referrals and conversions from CSV files (API, CLI and web app).
 * The feature's front door: other features import only from here.
 */
export { IMPORT_KINDS, type ImportKind, importColumns } from './import.core.js';
export { IMPORT_BODY_LIMIT, importRoutes } from './import.routes.js';
export type { ImportResult } from './import.schema.js';
export { type ImportPhase, importCsv } from './import.service.js';
