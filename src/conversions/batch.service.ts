import type { Deps } from '../deps.js';
import type { Actor } from '../shared/actor.js';
import { isAppError } from '../shared/errors.js';
import type { ConversionInput, ConversionResult } from './conversion.schema.js';
import { recordConversion } from './conversion.service.js';

/** What one event of a batch came to: the HTTP status it would have had alone, and its answer or problem. */
export interface BatchEventResult {
  index: number;
  status: number;
  body?: ConversionResult;
  error?: { code: string; message: string; field?: string };
}

/**
 * Records many conversion events, in order, each with its own result: a client mistake in one
 * event is that event's result, never the others'. Imports and integrations call this.
 */
export async function recordConversions(
  deps: Deps,
  actor: Actor,
  inputs: ConversionInput[],
): Promise<BatchEventResult[]> {
  const results: BatchEventResult[] = [];
  for (const [index, input] of inputs.entries()) {
    try {
      const { created, body } = await recordConversion(deps, actor, input);
      results.push({ index, status: created ? 201 : 200, body });
    } catch (error) {
      if (!isAppError(error)) throw error;
      results.push({
        index,
        status: error.status,
        error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) },
      });
    }
  }
  return results;
}
