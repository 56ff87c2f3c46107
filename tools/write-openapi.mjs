// Writes the served OpenAPI document to openapi/openapi.json (committed).
// test/api/openapi.test.ts fails when the two drift: run `npm run openapi`.
import { writeFileSync } from 'node:fs';
import { buildApp } from '../dist/app.js';

const app = await buildApp({ logLevel: 'silent', workers: 1 });
await app.ready();
writeFileSync(new URL('../openapi/openapi.json', import.meta.url), JSON.stringify(app.swagger(), null, 2) + '\n');
await app.close();
console.log('wrote openapi/openapi.json');
