// The generator lives with the build (scripts/lib/generate.mjs): the code cache is trained on its sessions.
export * from '../scripts/lib/generate.mjs';
