// Starts the azurite devDependency on free ports of 127.0.0.1, for tests, the demo and benchmarks.
// Ports: Azurite is given port 0 and reports the ports the OS picked, so two runs can never race for one.
// Cleanup: the child watches its stdin, which is a pipe from us; if this process dies in any way the pipe
// closes and Azurite exits, so no Azurite outlives the run that started it.

import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { request } from 'node:http';

export interface AzuriteOptions {
  /** Forward Azurite's console output to stderr when false (default true). */
  silent?: boolean;
  /** How long to wait for the three services, in milliseconds (default 30 000). */
  startTimeoutInMs?: number;
  /**
   * A folder for Azurite's data instead of memory (the caller makes and removes it). Benchmarks keep queues there: the
   * in-memory store holds one extent per message and its clean-up, once a minute, drops them one at a time with an
   * index rebuild each, which stops the whole process for seconds once thousands of messages have gone through.
   */
  location?: string;
}

export interface Azurite {
  connectionString: string;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  stop(): Promise<void>;
}

/** Azurite's well-known development account: public, documented, and accepted by nothing but the emulator. */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const SERVICES = ['Blob', 'Queue', 'Table'] as const;
type Service = (typeof SERVICES)[number];

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/\S+)/;

// Runs inside the child: exit when our stdin closes, then hand over to Azurite's own entry point.
const BOOTSTRAP = `
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
const entry = process.argv[1];
require(entry);
`;

function azuriteEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const silent = options.silent ?? true;
  const timeoutInMs = options.startTimeoutInMs ?? 30_000;
  const args = [
    ...SERVICES.flatMap((service) => [`--${service.toLowerCase()}Host`, '127.0.0.1', `--${service.toLowerCase()}Port`, '0']),
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence', '--extentMemoryLimit', '256']),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
  ];
  // `node -e` sees the arguments after "--" as process.argv[1..]: Azurite's parser reads argv[2..].
  const child = spawn(process.execPath, ['-e', BOOTSTRAP, '--', azuriteEntry(), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });

  const output: string[] = [];
  const endpoints = new Map<Service, string>();
  const ready = new Promise<void>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      if (!silent) process.stderr.write(text);
      output.push(text);
      buffered += text;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const match = LISTENING.exec(buffered.slice(0, newline));
        if (match?.[1] && match[2]) endpoints.set(match[1] as Service, match[2]);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      if (endpoints.size === SERVICES.length) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (!silent) process.stderr.write(text);
      output.push(text);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`Azurite exited before it was ready (code ${code}, signal ${signal}): ${output.join('').trim()}`)));
  });

  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Azurite did not start within ${timeoutInMs} ms: ${output.join('').trim()}`)), timeoutInMs);
      }),
    ]);
    await Promise.all([...endpoints.values()].map((url) => waitUntilAnswering(url, timeoutInMs)));
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    throw error;
  } finally {
    clearTimeout(timer);
  }

  const blob = `${endpoints.get('Blob')}/${ACCOUNT}`;
  const queue = `${endpoints.get('Queue')}/${ACCOUNT}`;
  const table = `${endpoints.get('Table')}/${ACCOUNT}`;
  let stopped: Promise<void> | undefined;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${blob};QueueEndpoint=${queue};TableEndpoint=${table};`,
    blobEndpoint: blob,
    queueEndpoint: queue,
    tableEndpoint: table,
    stop() {
      stopped ??= (async () => {
        process.removeListener('exit', killOnExit);
        await stopChild(child);
      })();
      return stopped;
    },
  };
}

/** Closes the child's stdin, which makes it exit (nothing to flush in memory); kills it if that takes over five seconds. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}

/** Resolves once the service answers HTTP at all (any status): listening is not always serving. */
async function waitUntilAnswering(url: string, timeoutInMs: number): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const req = request(url, { method: 'GET', timeout: 2_000 }, (res) => {
        res.resume();
        resolve(true);
      });
      req.once('error', () => resolve(false));
      req.once('timeout', () => {
        req.destroy();
        resolve(false);
      });
      req.end();
    });
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`Azurite at ${url} did not answer within ${timeoutInMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
