/** Generated captures of n sessions of `uid` (see generate.mjs): ps and pure-ftpwho -s -H text. */
export declare function generate(n: number, uid: number, user?: string): { ps: string; who: string };
