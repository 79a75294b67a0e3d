// Where things are, for tests that start compiled programs (the CLI, the demo, the emulator) as child processes or read
// repository files. Tests run from their .ts sources, so paths are taken from this file's place in the checkout.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root folder (test/support/../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A file of the checkout. */
export function repoPath(...segments: string[]): string {
  return path.join(REPO_ROOT, ...segments);
}

/** A compiled program in dist/ (built by `npm test` before Jest runs), e.g. compiled('src/cli/main.js'). */
export function compiled(relative: string): string {
  return path.join(REPO_ROOT, 'dist', relative);
}
