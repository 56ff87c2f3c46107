// Writes docs/gelu.svg (the plot shown in the README) from the service itself:
// GET /v1/activations/gelu/plot.svg. Run `npm run docs:plot` after changing src/plot/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildApp } from '../dist/app.js';

const app = await buildApp({ logLevel: 'silent', workers: 1 });
const res = await app.inject({ method: 'GET', url: '/v1/activations/gelu/plot.svg' });
if (res.statusCode !== 200) throw new Error(`plot failed: ${res.statusCode} ${res.body}`);
mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
writeFileSync(new URL('../docs/gelu.svg', import.meta.url), res.body);
await app.close();
console.log('wrote docs/gelu.svg');
