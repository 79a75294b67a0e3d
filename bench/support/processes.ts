// Child processes of a benchmark: the ARM emulator in its own process (so its fleet, its memory and its CPU are
// not charged to the app), and CPU accounting of this process and its children from /proc, which tells
// where the time of a run went (the app, Azurite or the emulator).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmulatorOptions } from '../../emulator/index.js';
import type { EmulatorCounts } from './emulator-child.js';

const EMULATOR_CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'emulator-child.js');

export interface EmulatorProcess {
  endpoint: string;
  caFile: string;
  token: string;
  subscriptionIds: string[];
  pid: number;
  /** What the emulator served so far, by its own count (429s included). */
  counts(): Promise<EmulatorCounts>;
  stop(): Promise<void>;
}

/** Starts the emulator in a child process (bench/support/emulator-child.ts) and reads its endpoint and token. */
export async function startEmulatorProcess(options: EmulatorOptions, startTimeoutMs = 120_000): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [EMULATOR_CHILD, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
  const values = new Map<string, string>();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`the ARM emulator did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the ARM emulator exited with code ${String(code)} before it was ready: ${stderr.trim()}`));
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
          const match = /^([A-Z_]+)=(.*)$/.exec(buffered.slice(0, newline).trim());
          if (match?.[1] && match[2] !== undefined) values.set(match[1], match[2]);
          buffered = buffered.slice(newline + 1);
        }
        if (values.has('ARM_SUBSCRIPTION_IDS')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const required = (name: string): string => {
    const value = values.get(name);
    if (!value) throw new Error(`the ARM emulator did not print ${name}`);
    return value;
  };
  return {
    endpoint: required('ARM_ENDPOINT'),
    caFile: required('ARM_CA_FILE'),
    token: required('ARM_TOKEN'),
    subscriptionIds: required('ARM_SUBSCRIPTION_IDS').split(',').filter(Boolean),
    pid: child.pid ?? 0,
    counts: () =>
      new Promise<EmulatorCounts>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the ARM emulator did not report its counts')), 10_000);
        child.once('message', (message) => {
          clearTimeout(timer);
          resolve(message as EmulatorCounts);
        });
        child.send('counts');
      }),
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const CLOCK_TICKS_PER_SECOND = 100;

/** The temporary folder of the benchmarks' queue Azurite (startBenchStorage) starts with this: how its process is told apart. */
export const BENCH_QUEUES_FOLDER_PREFIX = 'bench-queues-';

/** CPU seconds (user + system) a process has used so far; undefined where /proc is not available. */
export function cpuSecondsOf(pid: number | 'self'): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** Pids of this process's direct children (Azurite, the emulator). */
export function childPids(): number[] {
  try {
    const tasks = readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8');
    return tasks.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The command line of a process, for telling Azurite from the emulator. */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** CPU seconds used by this process, Azurite (both processes) and the emulator, from a snapshot taken with `cpuSnapshot`. */
export interface CpuSnapshot {
  app: number;
  azurite: number;
  /** The two Azurite processes apart (`azurite` is their sum): each serves its requests on one thread. */
  azuriteTables: number;
  azuriteQueues: number;
  emulator: number;
}

export function cpuSnapshot(emulatorPid?: number): CpuSnapshot {
  const children = childPids();
  // Tables and queues run in Azurite processes of their own (bench/support/app.ts): their CPU is added up.
  // The queues' process is the one given a folder (startBenchStorage); the tables' keeps its data in memory.
  let azuriteTables = 0;
  let azuriteQueues = 0;
  for (const pid of children) {
    const command = commandOf(pid);
    if (!command.includes('azurite')) continue;
    if (command.includes(BENCH_QUEUES_FOLDER_PREFIX)) azuriteQueues += cpuSecondsOf(pid) ?? 0;
    else azuriteTables += cpuSecondsOf(pid) ?? 0;
  }
  return {
    app: cpuSecondsOf('self') ?? 0,
    azurite: azuriteTables + azuriteQueues,
    azuriteTables,
    azuriteQueues,
    emulator: emulatorPid !== undefined ? (cpuSecondsOf(emulatorPid) ?? 0) : 0,
  };
}

export function cpuSince(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  return {
    app: after.app - before.app,
    azurite: after.azurite - before.azurite,
    azuriteTables: after.azuriteTables - before.azuriteTables,
    azuriteQueues: after.azuriteQueues - before.azuriteQueues,
    emulator: after.emulator - before.emulator,
  };
}
