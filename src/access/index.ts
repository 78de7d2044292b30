/**
 * Access: who may do what (the role matrix), authentication of every request, API keys, users and sessions.
 * The feature's front door: other features import only from here.
 */

export { isPersonActive } from './access.repo.js';
export { accessRoutes } from './access.routes.js';
export { createApiKey, createUser } from './access.service.js';
export { registerAuth } from './authenticate.hook.js';
export type { Permission } from './roles.core.js';
