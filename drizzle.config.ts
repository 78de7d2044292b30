import { defineConfig } from 'drizzle-kit';

// Migrations are generated from src/db/schema.ts, committed, and never edited once landed;
// PGlite and PostgreSQL run the same files.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
