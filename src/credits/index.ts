/**
 * Credits: the append-only ledger of account credit issued by rewards and redeemed by billing.
 * The feature's front door: other features import only from here.
 */
export { creditRoutes } from './credit.routes.js';
export { creditEffect, getCredits } from './credit.service.js';
