// coldstart: what a new Functions instance pays before the first invocation: a fresh Node process importing the
// built function entry modules (exactly what package.json `main` globs), timed over several runs; and the size of
// the deployment package those modules ship in.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDeploymentPackage, measureCheckoutPackage, type DeploymentPackage } from './support/package.js';
import { median, printJson, printTable, round, type Row } from './support/report.js';

export interface ColdStartBenchOptions {
  runs: number;
  /**
   * install: build the deployment package in a temp folder (npm ci --omit=dev), measure it and time the imports
   * from it. checkout: measure the same files in this checkout (npm ls --omit=dev) and time the imports here.
   */
  packageFrom: 'install' | 'checkout';
}

/** Issue 16's goals. */
export const COLDSTART_GOALS = { loadMedianMs: 150, packageMb: 15 } as const;

export const COLDSTART_FULL: ColdStartBenchOptions = { runs: 10, packageFrom: 'install' };
export const COLDSTART_QUICK: ColdStartBenchOptions = { runs: 5, packageFrom: 'checkout' };

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MB = 1024 * 1024;

/** Expands package.json `main` (`dist/src/{index.js,functions/*.js}`): braces, then `*` within one folder. */
export function expandMain(pattern: string, root: string): string[] {
  const brace = /\{([^{}]*)\}/.exec(pattern);
  if (brace) return brace[1]!.split(',').flatMap((choice) => expandMain(pattern.replace(brace[0], choice), root));
  if (!pattern.includes('*')) return existsSync(path.join(root, pattern)) ? [path.join(root, pattern)] : [];
  const directory = path.join(root, path.dirname(pattern));
  const name = new RegExp(`^${path.basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*')}$`);
  return existsSync(directory) ? readdirSync(directory).filter((file) => name.test(file)).sort().map((file) => path.join(directory, file)) : [];
}

// Runs in the fresh process: import each entry as the Functions Node worker does, then (when asked) what one
// function's first invocation imports on top (src/functions: handlers import their modules on first use), then report.
// A first-use module is a file path or a package name, resolved from the package root.
const TIMED_IMPORT = `
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const entries = JSON.parse(process.env.BENCH_ENTRIES);
const firstUse = JSON.parse(process.env.BENCH_FIRST_USE ?? '[]');
const started = performance.now();
const cpuBefore = process.cpuUsage();
for (const entry of entries) await import(pathToFileURL(entry).href);
const importMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const require = createRequire(pathToFileURL(process.cwd() + '/'));
const firstUseStarted = performance.now();
await Promise.all(firstUse.map((module) => import(pathToFileURL(require.resolve(module)).href)));
const firstUseMs = performance.now() - firstUseStarted;
process.stdout.write(JSON.stringify({ importMs, firstUseMs, cpuMs: (cpu.user + cpu.system) / 1000, bootMs: started, rssMb: process.memoryUsage().rss / 1048576 }));
process.exit(0);
`;

/**
 * What the first invocation of a function imports after start-up (its handler's dynamic imports, and the modules those
 * load on first use), by the kind of instance that runs it: on Flex Consumption each trigger group scales on instances
 * of its own. In the bundle (scripts/bundle.mjs) each is a chunk named after its module; the telemetry SDK stays an
 * installed package and is loaded wherever APPLICATIONINSIGHTS_CONNECTION_STRING is set.
 */
const FIRST_USE: Record<string, { chunks: string[]; packages: string[] }> = {
  intake: { chunks: ['container', 'intake'], packages: [] },
  worker: { chunks: ['container', 'worker', 'clients'], packages: [] },
  telemetry: { chunks: [], packages: ['applicationinsights'] },
};

/** The files (absolute) or packages a first use imports, found in the bundle's chunks folder next to the entries. */
function firstUseModules(entries: string[], group: { chunks: string[]; packages: string[] }): string[] {
  const chunksDir = path.join(path.dirname(entries.find((entry) => path.basename(entry) === 'index.js') ?? entries[0]!), 'chunks');
  const files = existsSync(chunksDir) ? readdirSync(chunksDir) : [];
  const chunks = group.chunks.map((name) => {
    const file = files.find((candidate) => candidate.startsWith(`${name}-`) && candidate.endsWith('.js'));
    if (!file) throw new Error(`coldstart: no chunk for ${name} in ${chunksDir}: is package.json main the bundle (npm run build)?`);
    return path.join(chunksDir, file);
  });
  return [...chunks, ...group.packages];
}

// Lists every package the entry modules load (through import or require), to see what a cold start pulls in.
const INVENTORY = `
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
const loaded = new Set();
registerHooks({ resolve(specifier, context, nextResolve) { const result = nextResolve(specifier, context); loaded.add(result.url); return result; } });
for (const entry of JSON.parse(process.env.BENCH_ENTRIES)) await import(pathToFileURL(entry).href);
const packages = new Map();
for (const url of loaded) {
  const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(url);
  if (match) packages.set(match[1], (packages.get(match[1]) ?? 0) + 1);
}
process.stdout.write(JSON.stringify({ modules: loaded.size, packages: Object.fromEntries(packages) }));
process.exit(0);
`;

function runNode(script: string, cwd: string, entries: string[], firstUse: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd,
      // No app settings: a cold start must not need them to load (they are read on first use).
      env: { PATH: process.env.PATH ?? '', BENCH_ENTRIES: JSON.stringify(entries), BENCH_FIRST_USE: JSON.stringify(firstUse) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`loading the entry modules failed (exit ${String(code)}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

export async function runColdStartBench(options: ColdStartBenchOptions): Promise<Record<string, unknown>> {
  const main = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { main?: string }).main;
  if (!main) throw new Error('package.json has no "main": the Functions host would find no entry modules');

  let deployment: DeploymentPackage | undefined;
  let packageError: string | undefined;
  try {
    deployment = options.packageFrom === 'install' ? await buildDeploymentPackage(PROJECT_ROOT) : await measureCheckoutPackage(PROJECT_ROOT);
  } catch (error) {
    packageError = error instanceof Error ? error.message : String(error);
  }
  try {
    const root = deployment?.directory ?? PROJECT_ROOT;
    const entries = expandMain(main, root);
    if (entries.length === 0) throw new Error(`package.json main "${main}" matches no built file under ${root}: run tsc first`);

    // One untimed load first: the file system cache should be warm, as on an instance whose package is mounted.
    await runNode(TIMED_IMPORT, root, entries);
    const runs: { importMs: number; cpuMs: number; bootMs: number; rssMb: number; processMs: number }[] = [];
    for (let run = 0; run < options.runs; run += 1) {
      const spawnedAt = performance.now();
      const result = JSON.parse(await runNode(TIMED_IMPORT, root, entries)) as { importMs: number; cpuMs: number; bootMs: number; rssMb: number };
      runs.push({ ...result, processMs: performance.now() - spawnedAt });
    }
    // Each first use in processes of its own, after the same start-up: what an instance of that group pays once.
    const firstUseMs: Record<string, number> = {};
    for (const [group, modules] of Object.entries(FIRST_USE).map(([name, spec]) => [name, firstUseModules(entries, spec)] as const)) {
      const samples: number[] = [];
      for (let run = 0; run < options.runs; run += 1) samples.push((JSON.parse(await runNode(TIMED_IMPORT, root, entries, modules)) as { firstUseMs: number }).firstUseMs);
      firstUseMs[group] = round(median(samples), 1);
    }
    const inventory = JSON.parse(await runNode(INVENTORY, root, entries)) as { modules: number; packages: Record<string, number> };
    const importMs = runs.map((run) => run.importMs);
    const loadMedianMs = median(importMs);
    const packageMb = deployment ? (deployment.zipBytes ?? deployment.unpackedBytes) / MB : Number.NaN;

    const json = {
      runs: options.runs,
      entryModules: entries.map((entry) => path.relative(root, entry)),
      loadedFrom: deployment && options.packageFrom === 'install' ? 'deployment package' : 'checkout',
      packageFrom: options.packageFrom === 'install' ? 'npm ci --omit=dev in a copy' : 'npm ls --omit=dev in this checkout',
      loadMedianMs: round(loadMedianMs, 1),
      loadMaxMs: round(Math.max(...importMs), 1),
      loadMinMs: round(Math.min(...importMs), 1),
      firstUseMedianMs: firstUseMs,
      loadCpuMedianMs: round(median(runs.map((run) => run.cpuMs)), 1),
      nodeBootMedianMs: round(median(runs.map((run) => run.bootMs)), 1),
      processMedianMs: round(median(runs.map((run) => run.processMs)), 1),
      rssAfterLoadMb: round(median(runs.map((run) => run.rssMb)), 1),
      modulesLoaded: inventory.modules,
      packagesLoaded: inventory.packages,
      packageZipMb: deployment?.zipBytes !== undefined ? round(deployment.zipBytes / MB) : null,
      packageUnpackedMb: deployment ? round(deployment.unpackedBytes / MB) : null,
      packageFiles: deployment?.files ?? null,
      largestModulesMb: deployment ? Object.fromEntries(deployment.largestModules.slice(0, 8).map((m) => [m.name, round(m.bytes / MB)])) : null,
      npmMs: deployment ? Math.round(deployment.installMs) : null,
      packageError: packageError ?? null,
    };
    const rows: Row[] = [
      { metric: 'load (import entry modules), median', value: `${json.loadMedianMs} ms`, goal: `<= ${COLDSTART_GOALS.loadMedianMs} ms`, met: loadMedianMs <= COLDSTART_GOALS.loadMedianMs },
      { metric: 'load, min / max', value: `${json.loadMinMs} / ${json.loadMaxMs} ms` },
      ...Object.entries(firstUseMs).map(([group, ms]): Row => ({ metric: `  then the first invocation's imports: ${group}`, value: `${ms} ms` })),
      { metric: 'load, CPU time (median)', value: `${json.loadCpuMedianMs} ms` },
      { metric: 'node start before our code, median', value: `${json.nodeBootMedianMs} ms` },
      { metric: 'whole process (spawn to exit), median', value: `${json.processMedianMs} ms` },
      { metric: 'modules loaded', value: `${inventory.modules} from ${Object.keys(inventory.packages).length} packages` },
      { metric: 'RSS after load', value: `${json.rssAfterLoadMb} MB` },
      deployment
        ? {
            metric: deployment.zipBytes !== undefined ? 'deployment package (zip)' : 'deployment package (unzipped; zip not installed)',
            value: `${round(packageMb)} MB (${json.packageUnpackedMb} MB unpacked, ${deployment.files} files)`,
            goal: `<= ${COLDSTART_GOALS.packageMb} MB`,
            met: packageMb <= COLDSTART_GOALS.packageMb,
          }
        : { metric: 'deployment package', value: `not built: ${packageError ?? 'skipped'}` },
    ];
    printTable(`coldstart: fresh Node ${process.version} importing ${entries.length} entry modules, ${options.runs} runs`, rows, [
      `entry modules: package.json main "${main}", loaded from the ${json.loadedFrom}; package files: .funcignore + ${json.packageFrom}`,
      ...(deployment ? [`largest in node_modules: ${deployment.largestModules.slice(0, 5).map((m) => `${m.name} ${round(m.bytes / MB, 1)} MB`).join(', ')}`] : []),
    ]);
    printJson('coldstart', json);
    return json;
  } finally {
    deployment?.remove();
  }
}
