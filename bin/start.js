// The commands' common start: load the build, or say in one line that there is none.
// dist/ is what `npm run build` makes (npm ci, npm pack and npm install -g . run it first).
export async function start(name, dialect) {
  const built = new URL('../dist/main.js', import.meta.url);
  let main;
  try {
    ({ main } = await import(built.href));
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || e.url !== built.href) throw e;
    process.stderr.write(`${name}: this copy of ftpsessions is not built (${decodeURIComponent(built.pathname)} is missing): run \`npm run build\` in ${decodeURIComponent(new URL('..', built).pathname)}\n`);
    process.exit(70);
  }
  await main(dialect);
}
