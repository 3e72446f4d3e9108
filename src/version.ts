declare const __FTPSESSIONS_VERSION__: string;

/** Inlined at build time (scripts/build.mjs, vitest.config.ts): no package.json read at run time. */
export const VERSION: string = __FTPSESSIONS_VERSION__;
