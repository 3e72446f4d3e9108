// npm run build:binary (after `npm run build`): the single executable,
// dist/ftpsessions-linux-x64, and the tarball to ship it in,
// dist/ftpsessions-linux-x64.tar.gz.
//
// The executable is the Node running this build with ftpsessions inside it
// (Node's single executable applications, SEA, injected into a copy of
// `node` with postject): src/sea.ts as its main script, which picks the
// command by the name it is called by and loads the npm build's bundle for
// it (dist/cpanel.cjs or dist/ftpsessions.cjs) and its trained V8 code
// cache, carried as SEA assets, as bin/start.js does. Why not a SEA startup snapshot: src/sea.ts.
//
// The tarball holds one folder, ftpsessions-VERSION-linux-x64/: bin/ftpsessions
// (the executable) with bin/cpapi2 and bin/uapi linked to it, man/man1/*.1,
// completions/, LICENSE, THIRD-PARTY-LICENSES.txt (the
// bundled libraries' and Node's own) and INSTALL. Every entry root:root,
// directories and executables 0755, the rest 0644, whoever builds it.
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { BUNDLES, bundle, LIBRARIES_APART, ROOT } from './lib/bundle.mjs';

const TARGET = `${process.platform}-${process.arch}`;
const DIST = join(ROOT, 'dist');
const BINARY = join(DIST, `ftpsessions-${TARGET}`);
const TARBALL = `${BINARY}.tar.gz`;
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const TAR = '/usr/bin/tar';

/** a failure, said in one line (after the work folder is removed) */
class BuildFailure extends Error {}
function fail(message) {
  throw new BuildFailure(message);
}

/** run `file args` (argv array, no shell), its stderr shown on failure; its stdout and stderr */
function run(file, args, options = {}) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the blob is made, and the binary checked, by a plain node, as users run it
  const r = spawnSync(file, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (r.error) fail(`${file} could not be run: ${r.error.message}`);
  if (r.status !== 0) fail(`${file} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`);
  return r;
}

/**
 * Node's own licence (Node and what it bundles: V8, ICU, OpenSSL, libuv, …),
 * which the executable contains: next to the running node as the official
 * builds and Debian's packages install it.
 */
async function nodeLicence() {
  const prefix = dirname(dirname(process.execPath));
  const candidates = [
    join(prefix, 'LICENSE'), // the nodejs.org tarballs (and nvm's copies of them)
    join(prefix, 'share/doc/nodejs/LICENSE'), // Debian's and NodeSource's packages
    '/usr/share/doc/nodejs/LICENSE',
  ];
  for (const path of candidates) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined && text.includes('Node.js')) return { path, text: text.trim() };
  }
  fail(`the licence of the Node being built into the binary was not found (looked at ${candidates.join(', ')})`);
}

const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
const started = Date.now();
let work;
try {
  if (process.platform !== 'linux') fail(`the binary is built for Linux only (this is ${process.platform})`);
  if (!process.execPath.startsWith('/')) fail(`process.execPath is not a path: ${process.execPath}`);
  if (!(await stat(join(DIST, 'THIRD-PARTY-LICENSES.txt')).catch(() => undefined))) fail('dist/THIRD-PARTY-LICENSES.txt is missing: run `npm run build` first');
  work = await mkdtemp(join(DIST, '.binary-'));

  // 1. the SEA blob: src/sea.ts bundled (the entry: which command, then
  //    load the program) as its main script, and as assets the npm build's
  //    bundles, each with the V8 code cache `npm run build` trained for this
  //    very Node (see src/sea.ts for why not a SEA startup snapshot). Relative
  //    paths: nothing of the build machine goes into the binary.
  // the names bin/start.js loads: each bundle and its code cache for this Node
  const { cacheFile } = createRequire(import.meta.url)('../bin/start.js');
  const assets = {};
  for (const { name } of BUNDLES) {
    const cacheName = basename(cacheFile(name));
    for (const need of [`${name}.cjs`, cacheName]) {
      if (!(await stat(join(DIST, need)).catch(() => undefined))) fail(`dist/${need} is missing: run \`npm run build\` with this Node (${process.version}) first`);
    }
    Object.assign(assets, { [`${name}.cjs`]: `../${name}.cjs`, [`${name}.cache`]: `../${cacheName}` });
  }
  for (const name of LIBRARIES_APART) assets[`${name}.cjs`] = `../${name}.cjs`;
  await bundle({ entry: join(ROOT, 'src/sea.ts'), outfile: join(work, 'sea.cjs') });
  const config = {
    main: 'sea.cjs',
    output: 'sea.blob',
    disableExperimentalSEAWarning: true,
    assets,
  };
  await writeFile(join(work, 'sea-config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const made = run(process.execPath, ['--experimental-sea-config', 'sea-config.json'], { cwd: work });
  const notes = `${made.stdout}${made.stderr}`.split('\n').filter((l) => l.trim() !== '' && !/ExperimentalWarning: Single executable|node --trace-warnings|^Wrote single executable preparation blob/.test(l));
  if (notes.length > 0) console.error(`build-binary: node --experimental-sea-config said:\n${notes.join('\n')}`);
  const blob = await readFile(join(work, 'sea.blob'));

  // 2. a copy of this node with the blob injected (postject's API: no npx, no shell)
  await rm(BINARY, { force: true });
  await copyFile(process.execPath, BINARY);
  await chmod(BINARY, 0o755);
  const { inject } = createRequire(import.meta.url)('postject');
  const warn = console.warn; // postject's LIEF reports ELF notes it does not know; nothing is wrong
  console.warn = () => {};
  try {
    await inject(BINARY, 'NODE_SEA_BLOB', blob, { sentinelFuse: SENTINEL_FUSE });
  } catch (e) {
    fail(`postject could not put the blob into a copy of ${process.execPath} (a Node built without single executable support?): ${e?.message ?? e}`);
  } finally {
    console.warn = warn;
  }

  // 3. it runs, as each command, and knows its version
  await mkdir(join(work, 'links'));
  for (const name of ['ftpsessions', 'uapi', 'cpapi2']) {
    await symlink(BINARY, join(work, 'links', name));
    const version = run(join(work, 'links', name), ['--version']).stdout.trim();
    if (version !== pkg.version) fail(`${name} --version printed '${version}', not ${pkg.version}`);
  }

  // 4. the tarball
  const top = `ftpsessions-${pkg.version}-${TARGET}`;
  const stage = join(work, 'stage', top);
  await mkdir(join(stage, 'bin'), { recursive: true });
  await copyFile(BINARY, join(stage, 'bin/ftpsessions'));
  await symlink('ftpsessions', join(stage, 'bin/cpapi2'));
  await symlink('ftpsessions', join(stage, 'bin/uapi'));
  await mkdir(join(stage, 'man/man1'), { recursive: true });
  for (const page of (await readdir(join(ROOT, 'man/man1'))).filter((f) => f.endsWith('.1')).sort()) {
    await copyFile(join(ROOT, 'man/man1', page), join(stage, 'man/man1', page));
  }
  await packCompletions(join(work, 'links', 'ftpsessions'), join(stage, 'completions'));
  const node = await nodeLicence();
  const bundled = (await readFile(join(DIST, 'THIRD-PARTY-LICENSES.txt'), 'utf8')).trim();
  const rule = `\n\n${'='.repeat(72)}\n\n`;
  await writeFile(
    join(stage, 'THIRD-PARTY-LICENSES.txt'),
    `${bundled}${rule}Node.js ${process.version}, which bin/ftpsessions contains (from ${node.path})\n\n${node.text}\n`,
  );
  await writeFile(join(stage, 'INSTALL'), installText(pkg.version, top));
  await copyFile(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));
  await openUp(join(work, 'stage'));
  await rm(TARBALL, { force: true });
  const tarArgs = ['--create', '--gzip', '--file', TARBALL, '--format=gnu', '--owner=0', '--group=0', '--numeric-owner', '--sort=name'];
  if (/^\d+$/.test(process.env.SOURCE_DATE_EPOCH ?? '')) tarArgs.push(`--mtime=@${process.env.SOURCE_DATE_EPOCH}`, '--clamp-mtime');
  run(TAR, [...tarArgs, '--directory', join(work, 'stage'), top], { env: { ...process.env, GZIP: '-n' } });
  await chmod(TARBALL, 0o644);

  const size = (p) => stat(p).then((s) => `${(s.size / 1024 / 1024).toFixed(1)} MiB`);
  console.log(`build-binary: ${BINARY.slice(ROOT.length)} (${await size(BINARY)}) and ${TARBALL.slice(ROOT.length)} (${await size(TARBALL)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  // no half-made binary or tarball left for the tests or a packager to take
  await rm(BINARY, { force: true });
  await rm(TARBALL, { force: true });
  if (!(e instanceof BuildFailure)) throw e;
  console.error(`build-binary: ${e.message}`);
  process.exitCode = 1;
} finally {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
}

/**
 * completions/ for the tarball: the packagers' files `npm run build` wrote
 * (scripts/lib/completions.mjs: the layout bash-completion, zsh and fish look
 * for), each checked to be what the binary itself prints for its shell.
 */
async function packCompletions(ftpsessions, into) {
  const { FILES } = await import('./lib/completions.mjs');
  for (const [shell, files] of Object.entries(FILES)) {
    const own = run(ftpsessions, ['completion', shell]).stdout;
    for (const file of files) {
      const built = await readFile(join(ROOT, 'completions', file), 'utf8').catch(() => fail(`completions/${file} is missing: run \`npm run build\` first`));
      if (own !== built) fail(`the binary's \`completion ${shell}\` differs from completions/${file}`);
      await mkdir(dirname(join(into, file)), { recursive: true });
      await writeFile(join(into, file), own);
    }
  }
}

/** directories and executables 0755, other files 0644, links as they are: the same whatever the umask */
async function openUp(path) {
  const { lstat } = await import('node:fs/promises');
  const st = await lstat(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    await chmod(path, 0o755);
    for (const name of await readdir(path)) await openUp(join(path, name));
  } else {
    await chmod(path, (st.mode & 0o100) !== 0 ? 0o755 : 0o644);
  }
}

function installText(version, top) {
  return `ftpsessions ${version} for Linux x86-64: one executable with Node.js ${process.version} inside.
Nothing else to install: no Node.js, no npm, no libraries (glibc, libstdc++ and libgcc_s only).

  bin/ftpsessions   the program; it acts by the name it is called by:
  bin/cpapi2        -> ftpsessions, cPanel's API 2 grammar
  bin/uapi          -> ftpsessions, UAPI's grammar
  man/man1/         cpapi2(1), uapi(1), ftpsessions(1)
  completions/      Tab completion: bash/ (for /usr/share/bash-completion/completions/),
                    zsh/ (a site-functions folder), fish/ (vendor_completions.d)
  THIRD-PARTY-LICENSES.txt   the licences of the libraries and of Node.js inside

Install as root, e.g. under /opt (on a cPanel server cPanel's own cpapi2 and
uapi come first on the PATH: call these by their full path):

  umask 022
  tar -xzf ftpsessions-${TARGET}.tar.gz -C /opt
  /opt/${top}/bin/uapi --help
  ln -s /opt/${top}/bin/ftpsessions /usr/local/bin/ftpsessions
  MANPATH=/opt/${top}/man: man uapi
  cp /opt/${top}/completions/bash/* /usr/share/bash-completion/completions/
  cp /opt/${top}/completions/zsh/_ftpsessions /usr/local/share/zsh/site-functions/
  cp /opt/${top}/completions/fish/* /usr/share/fish/vendor_completions.d/

Any other name for the program (a copy or a link) must be cpapi2, uapi or
ftpsessions (or start with ftpsessions-): it refuses other names (exit 2).
`;
}
