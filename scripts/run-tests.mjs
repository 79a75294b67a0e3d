// The test entry point behind `npm test`: checks the runtime, then hands every compiled test file to Node's runner.
import { spawnSync } from 'node:child_process';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`aks-baseline-guard tests need Node 22; this is ${process.version}. Run them through npm (npm test), which uses node_modules/.bin/node.`);
  process.exit(2);
}

// The demo report's browser test needs Debian's Chromium; on a fresh machine (as root) this installs it.
const chromium = spawnSync('bash', ['scripts/ensure-chromium.sh'], { stdio: 'inherit' });
if (chromium.status !== 0) process.exit(chromium.status ?? 1);

const patterns = process.argv.slice(2);
const files = patterns.length > 0 ? patterns : ['dist/test/**/*.test.js'];
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
