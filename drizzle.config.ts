import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations from the TypeScript schema; they are committed and
// applied by openDatabase (src/db/client.ts) on start and in tests.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './drizzle',
  strict: true,
});
