import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, newClaim, startTestApp, type TestApp } from './support/app.js';

/**
 * A fuzz run over the OpenAPI document: every operation gets random bodies, query strings and
 * path parameters (JSON of every shape, hostile strings, huge numbers, unicode oddities). A client
 * mistake is never a 5xx, and every refusal is problem+json.
 */
const hostile = fc.constantFrom(
  '<script>alert(1)</script>',
  "'; drop table rewards; --",
  '\u0000',
  '\ud800',
  '𝕽𝖊𝖜𝖆𝖗𝖉',
  '../../etc/passwd',
  '%00',
  'A'.repeat(5000),
  '-1',
  '1e309',
  'NaN',
  '{{referrerName}}',
);
const scalar = fc.oneof(
  fc.string(),
  hostile,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt().map(String),
);
const value = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('tree'), { maxKeys: 4 }),
  ),
})).tree;

describe('fuzzing every operation in /openapi.json', () => {
  let t: TestApp;
  let operations: { method: string; path: string; fields: string[]; documented: string[] }[];
  let rewardId: string;
  beforeAll(async () => {
    t = await startTestApp();
    rewardId = (await newClaim(t.owner)).reward.id;
    const doc = json(await t.app.inject({ method: 'GET', url: '/openapi.json' }), 200);
    operations = Object.entries(
      doc.paths as Record<
        string,
        Record<
          string,
          {
            requestBody?: { content?: Record<string, { schema?: { properties?: object } }> };
            responses?: Record<string, unknown>;
          }
        >
      >,
    )
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({
          method: method.toUpperCase(),
          path,
          fields: Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
          documented: Object.keys(op.responses ?? {}),
        })),
      );
  });
  afterAll(() => t.close());

  it('answers random input with a 4xx problem, never a 5xx', async () => {
    expect(operations.length).toBeGreaterThan(35);
    const answers: number[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations),
        fc.oneof(fc.constant(rewardId), fc.string(), hostile),
        value,
        fc.dictionary(
          fc.constantFrom('limit', 'cursor', 'status', 'q', 'kind', 'from', 'to', 'weeks', 'type'),
          fc.oneof(fc.string(), hostile),
        ),
        fc.boolean(),
        async (operation, param, body, query, shaped) => {
          const path = operation.path.replace(
            /\{\w+\}/g,
            () => encodeURIComponent(String(param).slice(0, 200).toWellFormed()) || 'x',
          );
          const search = new URLSearchParams(
            Object.entries(query).map(([k, v]) => [k, String(v).slice(0, 300).toWellFormed()]),
          ).toString();
          // Half the time the body has the operation's real field names with random values:
          // deeper into validation than a random shape gets.
          const payload = shaped ? Object.fromEntries(operation.fields.map((field) => [field, body])) : body;
          const response = await t.app.inject({
            method: operation.method as 'POST',
            url: `${path}${search ? `?${search}` : ''}`,
            headers: { authorization: `Bearer ${t.owner.key}`, 'content-type': 'application/json' },
            payload: operation.method === 'GET' || operation.method === 'DELETE' ? undefined : JSON.stringify(payload),
          });
          answers.push(response.statusCode);
          expect(response.statusCode, `${operation.method} ${path}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(response.headers['content-type']).toContain('application/problem+json');
            // The document promises generated clients every error shape they can meet.
            expect(
              operation.documented,
              `${operation.method} ${operation.path} answered ${response.statusCode}`,
            ).toContain(String(response.statusCode));
          }
        },
      ),
      { numRuns: 1500 },
    );
    expect(answers.filter((status) => status >= 400).length).toBeGreaterThan(300);
  });
});
