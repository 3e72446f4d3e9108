#!/usr/bin/env node
// dist/ is what `npm run build` makes (npm ci, npm pack and npm install -g . run it first).
const built = new URL('../dist/main.js', import.meta.url);
let main;
try {
  ({ main } = await import(built.href));
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || e.url !== built.href) throw e;
  process.stderr.write(`ftpsessions: this copy of ftpsessions is not built (${decodeURIComponent(built.pathname)} is missing): run \`npm run build\` in ${decodeURIComponent(new URL('..', built).pathname)}\n`);
  process.exit(70);
}
await main('action');
