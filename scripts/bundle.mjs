// Bundles the Function App for deployment (package.json "main": dist/app/{index.js,functions/*.js}): one module per
// function file plus shared chunks, straight from the TypeScript sources. A cold start then reads a few files instead
// of about a thousand modules, and what a handler imports on first use (src/functions) becomes a chunk it loads then.
// Left outside the bundle:
// - @azure/functions-core: the Functions Node worker provides it at run time;
// - applicationinsights: its OpenTelemetry instrumentation patches modules as Node loads them, which only works on
//   the package as installed (a production dependency, imported on first use by src/azure/telemetry.ts).
// `node scripts/bundle.mjs [outdir]` (default dist/app); `npm run build` runs it after tsc.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE_EXTERNAL = ['@azure/functions-core', 'applicationinsights'];

/** Builds the bundle into outdir (emptied first); returns the entry files written, relative to outdir. */
export async function bundleApp(outdir = path.join(ROOT, 'dist', 'app')) {
  const functionsDir = path.join(ROOT, 'src', 'functions');
  const entryPoints = [path.join(ROOT, 'src', 'index.ts'), ...readdirSync(functionsDir).filter((file) => file.endsWith('.ts')).sort().map((file) => path.join(functionsDir, file))];
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints,
    outbase: path.join(ROOT, 'src'),
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    // Stack traces in the logs keep the names of our functions and classes.
    keepNames: true,
    external: BUNDLE_EXTERNAL,
    // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
    metafile: true,
  });
  return Object.values(result.metafile.outputs).filter((output) => output.entryPoint).map((output) => output.entryPoint);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundleApp(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
}
