// The baseline the demo enforces. With --baseline it is that file, as is. Without it, it is baselines/default.json
// plus two facts about the demo fleet that the default cannot know: the tag its owners put on clusters they keep
// out of the baseline, and the regions where Flux is offered. Without them every generated "exempt" cluster and
// every cluster in an unsupported region would be reported (and fixed) like any other.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXEMPT_TAG, SUPPORTED_REGIONS } from '../emulator/index.js';
import { DEFAULT_BASELINE_PATH, loadBaselineFile } from '../src/baseline-file.js';
import { InvalidInputError, validateBaseline, type Baseline } from '../src/core/index.js';
import { DemoUsageError } from './options.js';

export interface DemoBaseline {
  baseline: Baseline;
  /** The file that holds it, relative to the working directory when below it: what the report and commands show. */
  file: string;
  /** What the demo added to baselines/default.json, one sentence each (empty for --baseline). */
  additions: string[];
}

/** Relative to cwd when the file is below it, else absolute: short in the report, still usable in commands. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Loads --baseline, or writes the demo's default into outDir/baseline.json. Throws DemoUsageError for a bad file. */
export async function prepareBaseline(baselinePath: string | undefined, outDir: string): Promise<DemoBaseline> {
  if (baselinePath !== undefined) {
    try {
      return { baseline: await loadBaselineFile(baselinePath), file: displayPath(baselinePath), additions: [] };
    } catch (error) {
      if (error instanceof InvalidInputError) throw new DemoUsageError(`--baseline ${displayPath(baselinePath)}: ${error.problems.join('; ')}`);
      throw error;
    }
  }
  const document = JSON.parse(await readFile(DEFAULT_BASELINE_PATH, 'utf8')) as Record<string, unknown>;
  const additions: string[] = [];
  const excludeTags = { ...(document['excludeTags'] as Record<string, string> | undefined) };
  if (!(EXEMPT_TAG.name in excludeTags)) {
    excludeTags[EXEMPT_TAG.name] = EXEMPT_TAG.value;
    additions.push(`clusters tagged ${EXEMPT_TAG.name}=${EXEMPT_TAG.value} are excluded (Exempt)`);
  }
  const extensions = ((document['requiredExtensions'] as Record<string, unknown>[] | undefined) ?? []).map((extension) => {
    if (extension['regions'] !== undefined) return extension;
    additions.push(`${String(extension['name'])} is required only in the ${SUPPORTED_REGIONS.length} regions that offer it (NotApplicable elsewhere)`);
    return { ...extension, regions: [...SUPPORTED_REGIONS] };
  });
  // The default's $schema is relative to baselines/; the copy lives elsewhere.
  const { $schema: _relativeSchema, ...rest } = document;
  const demoDocument = {
    ...rest,
    description: `${typeof document['description'] === 'string' ? document['description'] : 'Default baseline.'} For the demo fleet: ${additions.join('; ')}.`,
    requiredExtensions: extensions,
    excludeTags,
  };
  const baseline = validateBaseline(demoDocument);
  const file = path.join(outDir, 'baseline.json');
  await writeFile(file, `${JSON.stringify(demoDocument, null, 2)}\n`, 'utf8');
  return { baseline, file: displayPath(file), additions };
}
