// Builds the deployment package the way `func pack` / `azd deploy` would, to measure it: the project files minus
// what .funcignore excludes (gitignore syntax), with production-only node_modules installed from the lockfile.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface IgnoreRule {
  negate: boolean;
  directoryOnly: boolean;
  regex: RegExp;
}

/** Parses .funcignore (gitignore syntax: `*`, `?`, `**`, leading `!`, trailing `/`, anchored when it has a `/`). */
export function parseIgnoreFile(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    const directoryOnly = line.endsWith('/');
    if (directoryOnly) line = line.slice(0, -1);
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    let source = '';
    for (let i = 0; i < line.length; i += 1) {
      const char = line[i]!;
      if (char === '*' && line[i + 1] === '*') {
        source += '.*';
        i += 1;
        if (line[i + 1] === '/') i += 1;
      } else if (char === '*') source += '[^/]*';
      else if (char === '?') source += '[^/]';
      else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    rules.push({ negate, directoryOnly, regex: new RegExp(anchored ? `^${source}$` : `(^|/)${source}$`) });
  }
  return rules;
}

/** Whether a path (relative, `/`-separated) is ignored; the last matching rule decides, as in git. */
export function isIgnored(rules: readonly IgnoreRule[], relativePath: string, isDirectory: boolean): boolean {
  let ignored = false;
  for (const rule of rules) {
    if (rule.directoryOnly && !isDirectory) continue;
    if (rule.regex.test(relativePath)) ignored = !rule.negate;
  }
  return ignored;
}

/** Files under root that the package would hold (an ignored directory is never entered, as in git). */
export function packageFiles(root: string, rules: readonly IgnoreRule[], skip: (relativePath: string) => boolean = () => false): string[] {
  const files: string[] = [];
  const walk = (relativeDir: string): void => {
    for (const entry of readdirSync(path.join(root, relativeDir), { withFileTypes: true })) {
      const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      const isDirectory = entry.isDirectory();
      if (skip(relative) || isIgnored(rules, relative, isDirectory)) continue;
      if (isDirectory) walk(relative);
      else files.push(relative);
    }
  };
  walk('');
  return files.sort();
}

function run(command: string, args: string[], options: { cwd: string; input?: string; timeoutMs: number }): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface DeploymentPackage {
  /** The unpacked package (the app root as deployed). */
  directory: string;
  files: number;
  unpackedBytes: number;
  /** Size of package.zip; undefined when `zip` is not installed. */
  zipBytes: number | undefined;
  /** Bytes per top-level package in node_modules, largest first. */
  largestModules: { name: string; bytes: number }[];
  installMs: number;
  remove(): void;
}

/**
 * Copies the project (by .funcignore), installs production dependencies from package-lock.json into the copy
 * (`npm ci --omit=dev --ignore-scripts`: npm's cache serves it, the registry only when the cache misses), and
 * zips it. The copy lives in a temp directory until remove().
 */
export async function buildDeploymentPackage(projectRoot: string): Promise<DeploymentPackage> {
  const rules = parseIgnoreFile(existsSync(path.join(projectRoot, '.funcignore')) ? readFileSync(path.join(projectRoot, '.funcignore'), 'utf8') : '');
  const directory = mkdtempSync(path.join(tmpdir(), 'abg-package-'));
  const remove = (): void => rmSync(directory, { recursive: true, force: true });
  try {
    for (const relative of packageFiles(projectRoot, rules, (p) => p === 'node_modules' || p === '.git')) {
      mkdirSync(path.dirname(path.join(directory, relative)), { recursive: true });
      copyFileSync(path.join(projectRoot, relative), path.join(directory, relative));
    }
    const started = performance.now();
    const npm = await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: directory, timeoutMs: 600_000 });
    if (npm.code !== 0) throw new Error(`npm ci --omit=dev failed (${npm.code}): ${npm.output.trim().split('\n').slice(-5).join(' | ')}`);
    const installMs = performance.now() - started;

    return { directory, installMs, remove, ...(await measurePackage(directory, packageFiles(directory, rules))) };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Sizes of the listed files (relative to root), in total, per top-level package, and zipped. */
async function measurePackage(root: string, files: string[]): Promise<Pick<DeploymentPackage, 'files' | 'unpackedBytes' | 'zipBytes' | 'largestModules'>> {
  let unpackedBytes = 0;
  const moduleBytes = new Map<string, number>();
  for (const relative of files) {
    const stat = lstatSync(path.join(root, relative));
    const bytes = stat.isSymbolicLink() ? 0 : stat.size;
    unpackedBytes += bytes;
    const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(relative);
    if (match?.[1]) moduleBytes.set(match[1], (moduleBytes.get(match[1]) ?? 0) + bytes);
  }
  let zipBytes: number | undefined;
  const zipFile = path.join(mkdtempSync(path.join(tmpdir(), 'abg-zip-')), 'package.zip');
  try {
    // -y keeps symlinks (node_modules/.bin) as links, -X leaves out extra file attributes, -@ reads the names.
    const zip = await run('zip', ['-q', '-X', '-y', '-@', zipFile], { cwd: root, input: `${files.join('\n')}\n`, timeoutMs: 300_000 });
    if (zip.code === 0) zipBytes = statSync(zipFile).size;
  } catch {
    zipBytes = undefined;
  } finally {
    rmSync(path.dirname(zipFile), { recursive: true, force: true });
  }
  const largestModules = [...moduleBytes].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { files: files.length, unpackedBytes, zipBytes, largestModules };
}

/**
 * The same package measured in place, without installing anything: the project files by .funcignore plus the
 * production packages `npm ls --omit=dev` finds in this checkout's node_modules. Quicker, and the same set of
 * packages as a production install (only where npm places them may differ).
 */
export async function measureCheckoutPackage(projectRoot: string): Promise<DeploymentPackage> {
  const rules = parseIgnoreFile(existsSync(path.join(projectRoot, '.funcignore')) ? readFileSync(path.join(projectRoot, '.funcignore'), 'utf8') : '');
  const started = performance.now();
  const npm = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: projectRoot, timeoutMs: 120_000 });
  const packageDirs = npm.output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(path.join(projectRoot, 'node_modules') + path.sep))
    .map((line) => path.relative(projectRoot, line).split(path.sep).join('/'));
  if (packageDirs.length === 0) throw new Error(`npm ls --omit=dev listed no packages (exit ${npm.code}): ${npm.output.trim().split('\n').slice(-3).join(' | ')}`);
  const ancestors = new Set(packageDirs.flatMap((dir) => dir.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/'))));
  const packageOf = (relative: string): string | undefined =>
    packageDirs.filter((dir) => relative === dir || relative.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length)[0];
  // Under node_modules, keep the listed packages and the folders that lead to them; a nested node_modules
  // holds packages of their own, kept only when npm ls listed them.
  const keep = (relative: string): boolean => {
    if (ancestors.has(relative)) return true;
    const owner = packageOf(relative);
    return owner !== undefined && !relative.slice(owner.length + 1).split('/').includes('node_modules');
  };
  const files = packageFiles(projectRoot, rules, (relative) => relative === '.git' || ((relative === 'node_modules' || relative.startsWith('node_modules/')) && !keep(relative)));
  return { directory: projectRoot, installMs: performance.now() - started, remove: () => undefined, ...(await measurePackage(projectRoot, files.sort())) };
}
