/**
 * Conversions: events from CRMs and billing (sales, refunds), recorded once, applied to claims.
 * The feature's front door: other features import only from here.
 */
export { type BatchEventResult, recordConversion, recordConversions, runConversionBatch } from './batch.service.js';
export { conversionRoutes } from './conversion.routes.js';
export { getConversion, linkAwaitingConversions, recordConversionOneByOne } from './conversion.service.js';
export { ConversionInputSchema } from './conversion-input.schema.js';
