// Reading a baseline file, at the edge: the CLI, the app's container (BASELINE_PATH) and the demo load baselines
// through this. Parsing and validation stay in core/baseline.ts, which is pure.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBaseline, type Baseline } from './core/baseline.js';
import { InvalidInputError } from './core/errors.js';

/** The package root: the nearest folder above this module with a package.json (src/, dist/src/ and the bundle, dist/app/). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}: cannot find baselines/default.json`);
    dir = parent;
  }
  return dir;
}

/** baselines/default.json of this package: used when no baseline is given. */
export const DEFAULT_BASELINE_PATH = path.join(packageRoot(), 'baselines', 'default.json');

/** Reads and validates a baseline file (JSON or YAML). Throws InvalidInputError for unreadable or invalid files. */
export async function loadBaselineFile(filePath: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidInputError(code === 'ENOENT' ? 'cannot read: no such file' : `cannot read: ${code ?? String(error)}`);
  }
  return parseBaseline(text, filePath);
}

/** BASELINE_PATH resolved: an absolute path as it is, a relative one from the package root (the app root once deployed). */
export function resolveBaselinePath(baselinePath: string): string {
  return path.isAbsolute(baselinePath) ? baselinePath : path.resolve(packageRoot(), baselinePath);
}

/** Loads the baseline BASELINE_PATH names; a missing or invalid file fails with the setting name and every problem. */
export async function loadConfiguredBaseline(config: { baselinePath: string }): Promise<Baseline> {
  const file = resolveBaselinePath(config.baselinePath);
  try {
    return await loadBaselineFile(file);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(error.problems.map((problem) => `BASELINE_PATH (${file}): ${problem}`));
    throw error;
  }
}
