// Child processes for tests that start compiled programs (the emulator, the CLI, scripts) the way a user would.
// Nothing here waits without a limit: a child that exits early, fails to start or stays silent past its timeout
// makes the wait reject with what the child printed, so a broken program fails its suite at once with the reason.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { compiled } from './paths.js';

export interface ChildOutput {
  /** Everything the child wrote to stdout so far. */
  readonly stdout: string;
  /** Everything the child wrote to stderr so far. */
  readonly stderr: string;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartChildOptions {
  /** Resolve once stdout matches this (for example the last line a server prints when it is ready). */
  readyWhen: RegExp;
  /** Give up, kill the child and reject after this long without a match (default 20 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RunningChild {
  child: ChildProcess;
  output: ChildOutput;
  /** The match of `readyWhen` in stdout. */
  ready: RegExpExecArray;
  /** Settles when the child has exited, with its exit code or signal. */
  exited: Promise<ChildExit>;
  /**
   * Sends `signal` (default SIGTERM) and waits for the exit; kills the child and rejects when it has not exited
   * within `timeoutMs` (default 10 s). Resolves at once with the earlier exit when the child is already gone.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ChildExit>;
}

export interface RunChildOptions {
  /** Kill the child and reject when it has not exited after this long (default 30 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface FinishedChild extends ChildExit {
  stdout: string;
  stderr: string;
}

/** A compiled file of dist/ (compiled('emulator/main.js')), or an error saying how to build it when it is missing. */
export function builtFile(relative: string): string {
  const file = compiled(relative);
  if (!existsSync(file)) throw new Error(`${file} does not exist: build first (\`npm run build\`, which \`npm test\` runs before Jest)`);
  return file;
}

function describeCommand(command: string, args: readonly string[]): string {
  return [command === process.execPath ? 'node' : command, ...args].join(' ');
}

function describeOutput(output: ChildOutput): string {
  const stderr = output.stderr.trim();
  const stdout = output.stdout.trim();
  return `stderr: ${stderr === '' ? '(nothing)' : stderr}\nstdout: ${stdout === '' ? '(nothing)' : stdout}`;
}

function describeExit({ code, signal }: ChildExit): string {
  return signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
}

interface Watched {
  child: ChildProcess;
  output: ChildOutput;
  exited: Promise<ChildExit>;
  /** Rejects when the child could not be started at all (for example a missing executable). */
  failed: Promise<never>;
  onStdout: (listener: () => void) => void;
}

function watch(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string }): Watched {
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners: (() => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`could not start \`${describeCommand(command, args)}\`: ${error.message}`, { cause: error })));
  });
  // Kept from turning into an unhandled rejection when nobody waits on it; callers race it.
  failed.catch(() => undefined);
  // 'close' (not 'exit'): by then stdout and stderr have been read to the end.
  const exited = new Promise<ChildExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: {
      get stdout() {
        return stdout;
      },
      get stderr() {
        return stderr;
      },
    },
    exited,
    failed,
    onStdout: (listener) => listeners.push(listener),
  };
}

function stopper(child: ChildProcess, exited: Promise<ChildExit>, name: string): RunningChild['stop'] {
  return async (signal = 'SIGTERM', timeoutMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`\`${name}\` did not exit within ${timeoutMs} ms of ${signal}; killed it`));
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Starts a long-running program and resolves once its stdout matches `readyWhen`. Rejects (and kills the child) when
 * the child exits first, cannot be started, or stays unready past `timeoutMs`; the error names the command and what
 * the child printed on stderr and stdout.
 */
export async function startChild(command: string, args: readonly string[], options: StartChildOptions): Promise<RunningChild> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const name = describeCommand(command, args);
  const { child, output, exited, failed, onStdout } = watch(command, args, options);

  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = await Promise.race([
      new Promise<RegExpExecArray>((resolve) => {
        const check = (): void => {
          const match = options.readyWhen.exec(output.stdout);
          if (match) resolve(match);
        };
        onStdout(check);
      }),
      exited.then((exit): never => {
        throw new Error(`\`${name}\` ${describeExit(exit)} before its output matched ${String(options.readyWhen)}\n${describeOutput(output)}`);
      }),
      failed,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`\`${name}\` printed nothing matching ${String(options.readyWhen)} within ${timeoutMs} ms\n${describeOutput(output)}`)),
          timeoutMs,
        );
      }),
    ]);
    return { child, output, ready, exited, stop: stopper(child, exited, name) };
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a program to its end and resolves with its exit code and output, whatever the code. Rejects (and kills the
 * child) when it cannot be started or has not exited within `timeoutMs`, naming what it printed so far.
 */
export async function runChild(command: string, args: readonly string[], options: RunChildOptions = {}): Promise<FinishedChild> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const name = describeCommand(command, args);
  const { child, output, exited, failed } = watch(command, args, options);

  let timer: NodeJS.Timeout | undefined;
  try {
    const exit = await Promise.race([
      exited,
      failed,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`\`${name}\` did not exit within ${timeoutMs} ms\n${describeOutput(output)}`)), timeoutMs);
      }),
    ]);
    return { ...exit, stdout: output.stdout, stderr: output.stderr };
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
