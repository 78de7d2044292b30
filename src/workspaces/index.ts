/**
 * Workspaces: a tenant, its settings and its defaults.
 * The feature's front door: other features import only from here.
 */
export { workspaceRoutes } from './workspace.routes.js';
export {
  countWorkspaces,
  createWorkspace,
  ensureWorkspace,
  findWorkspaceBySlug,
  getWorkspaceOrThrow,
  type Workspace,
} from './workspace.service.js';
