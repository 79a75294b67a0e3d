// How the command-line programs (the CLI, `npm run demo`, `npm run emulator`) report a failure: one line that says
// what failed and what the user can do. The stack trace is for developers: only with --verbose, or with DEBUG
// naming aks-baseline-guard (the convention of the `debug` package: a comma-separated list, `*` for all).
import { COMMAND_LINE_SETTINGS } from '../config.js';
import { toError } from '../core/errors.js';

export const DEBUG_NAMESPACE = 'aks-baseline-guard';

/** Whether the user asked for stack traces. */
export function wantsStackTraces(argv: readonly string[], env: Record<string, string | undefined> = process.env): boolean {
  if (argv.includes('--verbose')) return true;
  const names = (env[COMMAND_LINE_SETTINGS.debug] ?? '').split(/[\s,]+/).filter((name) => name.length > 0);
  const ours = (name: string): boolean => name === '*' || name === DEBUG_NAMESPACE || name === `${DEBUG_NAMESPACE}:*`;
  // `-name` excludes, as in the debug package: DEBUG='*,-aks-baseline-guard' means everything but us.
  if (names.some((name) => name.startsWith('-') && ours(name.slice(1)) && name !== '-*')) return false;
  return names.some(ours);
}

/** What a user can do about the common causes; undefined when nothing specific helps. */
export function remedyFor(error: unknown): string | undefined {
  const failure = toError(error);
  // A wrapped error keeps its system code (and its real name) on its cause.
  const chain = [failure, failure.cause].filter((e): e is object => typeof e === 'object' && e !== null);
  const code = chain.map((e) => (e as { code?: unknown }).code).find((c): c is string => typeof c === 'string');
  const text = chain.map((e) => `${(e as { name?: unknown }).name as string} ${(e as { message?: unknown }).message as string}`).join(' ');
  if (/CredentialUnavailable|AuthenticationError|AuthenticationRequired/i.test(text)) {
    return 'sign in with `az login` (or give this process a managed identity, or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)';
  }
  switch (code) {
    case 'EADDRINUSE':
      return 'the port is taken: choose another one, or stop what listens there';
    case 'EACCES':
    case 'EPERM':
      return 'check the permissions of that path, or pick another one you can write to';
    case 'ENOENT':
      return 'check that the path exists';
    case 'ENOSPC':
      return 'free some disk space and try again';
    case 'ECONNREFUSED':
      return 'nothing answers at that address: check the endpoint setting (ARM_ENDPOINT, the connection string)';
    case 'MODULE_NOT_FOUND':
    case 'ERR_MODULE_NOT_FOUND':
      return 'dependencies are missing or out of date: run `npm ci`';
    default:
      return undefined;
  }
}

/** The message's first line, with whitespace folded, so the whole report stays on one line. */
function firstLine(message: string): string {
  return (message.split('\n').find((line) => line.trim().length > 0) ?? message).replace(/\s+/g, ' ').trim();
}

/**
 * `<program>: <what> failed: <cause>. <remedy>` as one line, and the stack after it when asked for. `remedy` overrides
 * the generic advice of `remedyFor`.
 */
export function failureReport(program: string, what: string, error: unknown, options: { stack: boolean; remedy?: string }): string {
  const failure = toError(error);
  const remedy = options.remedy ?? remedyFor(failure);
  const cause = firstLine(failure.message) || failure.name;
  const line = `${program}: ${what} failed: ${cause}${remedy ? `${/[.!?]$/.test(cause) ? '' : '.'} What to do: ${remedy}` : ''}`;
  const hint = options.stack ? (failure.stack ? `\n${failure.stack}` : '') : ` (--verbose or DEBUG=${DEBUG_NAMESPACE} shows the stack trace)`;
  return `${line}${hint}\n`;
}
