// The test entry point behind `npm test`: checks the runtime, then runs Jest. With no arguments it runs the whole suite
// with coverage and its thresholds; with arguments they go to Jest as they are (`npm test -- test/unit/core -t Flux`).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`aks-baseline-guard tests need Node 22; this is ${process.version}. Run them through npm (npm test), which uses node_modules/.bin/node.`);
  process.exit(2);
}

// The report's browser tests need a Chromium. Resolved (and, on a machine without one, unpacked from the
// @sparticuz/chromium devDependency) once here, so parallel Jest workers do not each unpack it. Needs the build.
try {
  const { resolveChromium } = await import('../dist/demo/browserCheck.js');
  process.env.CHROMIUM_PATH = await resolveChromium();
} catch (error) {
  console.error(`tests: no Chromium for the report's browser tests: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const args = process.argv.slice(2);
// Coverage thresholds only mean something for the whole suite.
const jestArgs = args.length > 0 ? args : ['--coverage'];
const jest = createRequire(import.meta.url).resolve('jest/bin/jest');
// The flags are also in .npmrc (node-options); passing them here keeps `node scripts/run-tests.mjs` working outside npm.
const result = spawnSync(process.execPath, ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', jest, ...jestArgs], { stdio: 'inherit' });
process.exit(result.status ?? 1);
