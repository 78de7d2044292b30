/**
 * Groups concurrent single-event requests into one engine batch per workspace: while a batch is
 * being written, the requests that arrive wait and go together in the next (up to `maxEvents`),
 * each getting its own answer. A lone request waits for nothing but the current tick, so
 * grouping costs latency only when there is load to group.
 */
import type { Deps } from '../deps.js';
import type { Actor } from '../shared/actor.js';
import { type BatchEventResult, runConversionBatch } from './batch.service.js';
import type { ConversionInput } from './conversion.schema.js';

interface Waiting {
  actor: Actor;
  input: ConversionInput;
  resolve: (result: BatchEventResult) => void;
  reject: (error: unknown) => void;
}

export interface ConversionBatcher {
  submit(actor: Actor, input: ConversionInput): Promise<BatchEventResult>;
}

export function createConversionBatcher(
  deps: Deps,
  options: { maxEvents?: number; maxInFlight?: number } = {},
): ConversionBatcher {
  const maxEvents = options.maxEvents ?? 200;
  const maxInFlight = options.maxInFlight ?? 2;
  const queues = new Map<string, Waiting[]>();
  const inFlight = new Map<string, number>();
  const scheduled = new Set<string>();

  function schedule(workspaceId: string) {
    if (scheduled.has(workspaceId)) return;
    scheduled.add(workspaceId);
    setImmediate(() => {
      scheduled.delete(workspaceId);
      flush(workspaceId);
    });
  }

  function flush(workspaceId: string) {
    const queue = queues.get(workspaceId);
    if (!queue || queue.length === 0) return;
    if ((inFlight.get(workspaceId) ?? 0) >= maxInFlight) return; // the batch in flight flushes us when done
    const batch = queue.splice(0, maxEvents);
    if (queue.length === 0) queues.delete(workspaceId);
    inFlight.set(workspaceId, (inFlight.get(workspaceId) ?? 0) + 1);
    runConversionBatch(
      deps,
      batch.map(({ actor, input }) => ({ actor, input })),
    )
      .then((results) => {
        for (const [index, waiting] of batch.entries()) {
          const result = results[index];
          if (result) waiting.resolve(result);
          else waiting.reject(new Error('the engine gave no answer for an event'));
        }
      })
      .catch((error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
      })
      .finally(() => {
        inFlight.set(workspaceId, (inFlight.get(workspaceId) ?? 1) - 1);
        if (queues.get(workspaceId)?.length) schedule(workspaceId);
      });
  }

  return {
    submit(actor, input) {
      return new Promise<BatchEventResult>((resolve, reject) => {
        const queue = queues.get(actor.workspaceId) ?? [];
        queue.push({ actor, input, resolve, reject });
        queues.set(actor.workspaceId, queue);
        schedule(actor.workspaceId);
      });
    },
  };
}
