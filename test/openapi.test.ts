import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestApp, type TestApp } from './support/app.js';

/** The API's one contract, as generated clients read it. */
describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
  };
  beforeAll(async () => {
    t = await startTestApp();
    doc = json(await t.app.inject({ method: 'GET', url: '/openapi.json' }), 200);
  });
  afterAll(() => t.close());

  it('is valid OpenAPI 3.1, as an outside validator reads it', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, JSON.stringify('errors' in result ? result.errors : [], null, 2).slice(0, 2000)).toBe(true);
  });

  it('documents the problem+json answers of every /v1 operation from one shared schema', () => {
    const operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(50);
    for (const { path, method, op } of operations) {
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length, `${method} ${path}`).toBeGreaterThan(0);
      expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '429']));
      for (const [status, response] of errors) {
        expect(response.content?.['application/problem+json'], `${method} ${path} ${status}`).toEqual({
          schema: { $ref: '#/components/schemas/Problem' },
        });
      }
    }
    // Writes can conflict and be refused for a role; reads by id can miss.
    expect(Object.keys(doc.paths['/v1/rewards/{id}/approve']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['400', '401', '403', '404', '409', '413', '429']),
    );
    expect(Object.keys(doc.paths['/v1/rewards/{id}']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['401', '404', '429']),
    );
  });
});
