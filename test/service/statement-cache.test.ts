/**
 * Statements prepared once per connection (db/statement-cache.ts) must answer exactly what the
 * unprepared path answers, on both stores: the same rows and types, the same errors (a unique
 * violation is still one), blobs still read, and a table changed by DDL is not served a plan for
 * its old shape.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeWithJson } from '../../src/db/bulk.js';
import type { Database } from '../../src/db/client.js';
import { isUniqueViolation } from '../../src/db/client.js';
import { rowsOf } from '../../src/db/json-rows.js';
import { freshDatabase } from '../support/db.js';

let database: Database;
beforeAll(async () => {
  database = await freshDatabase();
  await database.db.execute(
    sql.raw('create table cache_probe (id text primary key, n int, at timestamptz, doc jsonb)'),
  );
});
afterAll(() => database.close());

const select = (id: string) =>
  sql`select id, n, at, doc, ${id}::text as asked from cache_probe where id = ${id} or ${id} = 'all' order by id`;

describe('prepared statements', () => {
  it('answer the same rows and types on every call, in and out of transactions', async () => {
    await database.db.execute(
      sql`insert into cache_probe values (${'a'}, ${1}, ${'2026-01-02T03:04:05Z'}, ${JSON.stringify({ k: [1, 'x'] })}::jsonb)`,
    );
    const answers: unknown[] = [];
    for (let i = 0; i < 4; i++) answers.push(rowsOf(await database.db.execute(select('a'))));
    for (let i = 0; i < 3; i++) {
      answers.push(await database.db.transaction(async (tx) => rowsOf(await tx.execute(select('a')))));
    }
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    const [row] = answers[0] as Record<string, unknown>[];
    expect(row).toMatchObject({ id: 'a', n: 1, doc: { k: [1, 'x'] }, asked: 'a' });
    // Timestamps come back as drizzle's raw execute gives them (a string), prepared or not.
    expect(typeof row?.at).toBe('string');
  });

  it('keep a unique violation recognisable, and leave the connection usable after it', async () => {
    const insert = (n: number) => sql`insert into cache_probe (id, n) values (${'dup'}, ${n})`;
    await database.db.execute(insert(1));
    for (let i = 0; i < 3; i++) {
      const error = await database.db.execute(insert(2)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isUniqueViolation(error)).toBe(true);
    }
    const rolledBack = await database.db
      .transaction(async (tx) => {
        await tx.execute(sql`update cache_probe set n = ${5} where id = ${'dup'}`);
        await tx.execute(insert(3));
      })
      .then(
        () => 'committed',
        () => 'rolled back',
      );
    expect(rolledBack).toBe('rolled back');
    expect(rowsOf<{ n: number }>(await database.db.execute(select('dup')))[0]?.n).toBe(1);
  });

  it('read a JSON document sent beside the statement (the bulk writes)', async () => {
    for (let i = 0; i < 3; i++) {
      const rows = [{ id: `b${i}`, n: i }];
      await executeWithJson(
        database.db,
        JSON.stringify(rows),
        (document) =>
          sql`insert into cache_probe (id, n) select id, n from jsonb_to_recordset(${document}) as r(id text, n int)`,
      );
    }
    const found = rowsOf<{ id: string }>(
      await database.db.execute(sql`select id from cache_probe where id like ${'b%'} order by id`),
    );
    expect(found.map((row) => row.id)).toEqual(['b0', 'b1', 'b2']);
  });

  it('serve a table changed by DDL with its new shape', async () => {
    for (let i = 0; i < 3; i++) await database.db.execute(sql`select * from cache_probe where id = ${'a'}`);
    await database.db.execute(sql.raw('alter table cache_probe add column extra text'));
    await database.db.execute(sql`update cache_probe set extra = ${'new'} where id = ${'a'}`);
    const [row] = rowsOf<Record<string, unknown>>(
      await database.db.execute(sql`select * from cache_probe where id = ${'a'}`),
    );
    expect(row?.extra).toBe('new');
  });
});
