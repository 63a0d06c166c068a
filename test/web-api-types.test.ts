// The web app's API client is typed from the services' OpenAPI documents; this fails when the
// committed types (apps/web/src/lib/api/schema.ts) no longer match what the services serve.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateApiTypes, schemaFile } from '../scripts/web-api-types.ts';

it('the web app’s API types match the services’ OpenAPI documents', { timeout: 300_000 }, async () => {
  const generated = await generateApiTypes();
  assert.ok(generated.includes('"/api/events/{id}/hold"'), 'the generated types cover the routes');
  assert.ok(
    readFileSync(schemaFile, 'utf8') === generated,
    'apps/web/src/lib/api/schema.ts is out of date: run `node scripts/web-api-types.ts` and commit it',
  );
});
