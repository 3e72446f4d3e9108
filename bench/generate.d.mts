export * from '../scripts/lib/generate.mjs';
