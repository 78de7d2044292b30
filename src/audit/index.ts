/**
 * Audit: the append-only log every change writes, and its reader.
 * The feature's front door: other features import only from here.
 */
export { historyOf, recordAudit, recordAuditMany } from './audit.repo.js';
export { auditRoutes } from './audit.routes.js';
