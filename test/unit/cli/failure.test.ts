// How the command-line programs report a failure: one line with the cause and what to do, the stack only on request.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { DEBUG_NAMESPACE, failureReport, remedyFor, wantsStackTraces } from '../../../src/cli/failure.js';

/** An Error with a Node-style system code, as fs, net and the module loader throw them. */
function systemError(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** What `work` throws; throws itself when `work` returns. */
function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const AZ_LOGIN = /az login/;

describe('wantsStackTraces', () => {
  test('is on with --verbose anywhere in argv, whatever DEBUG says', () => {
    expect(wantsStackTraces(['node', 'main.js', 'evaluate', '--verbose'], {})).toBe(true);
    expect(wantsStackTraces(['--verbose'], { DEBUG: 'other' })).toBe(true);
  });

  const debugValues: { name: string; debug: string | undefined; expected: boolean }[] = [
    { name: 'DEBUG=aks-baseline-guard', debug: 'aks-baseline-guard', expected: true },
    { name: 'DEBUG=*', debug: '*', expected: true },
    { name: 'DEBUG=aks-baseline-guard:*', debug: 'aks-baseline-guard:*', expected: true },
    { name: 'the namespace in a comma-separated list', debug: 'express,aks-baseline-guard', expected: true },
    { name: 'the namespace in a space-separated list', debug: 'express aks-baseline-guard', expected: true },
    { name: 'DEBUG=other', debug: 'other', expected: false },
    { name: 'a namespace that only starts like ours', debug: 'aks-baseline-guard-extra', expected: false },
    { name: 'DEBUG set but empty', debug: '', expected: false },
    { name: 'no DEBUG at all', debug: undefined, expected: false },
    { name: 'everything but us (the debug package\'s -name exclusion)', debug: '*,-aks-baseline-guard', expected: false },
    { name: 'another namespace excluded', debug: 'aks-baseline-guard,-express', expected: true },
  ];
  test.each(debugValues)('without --verbose, $name -> $expected', ({ debug, expected }) => {
    const env = debug === undefined ? {} : { DEBUG: debug };

    expect(wantsStackTraces(['node', 'main.js', 'evaluate'], env)).toBe(expected);
  });

  test('the namespace it documents is aks-baseline-guard', () => {
    expect(DEBUG_NAMESPACE).toBe('aks-baseline-guard');
  });
});

describe('remedyFor', () => {
  test('tells the user to sign in for authentication errors, by name or by message', () => {
    const unavailable = Object.assign(new Error('DefaultAzureCredential failed to retrieve a token'), { name: 'CredentialUnavailableError' });
    const rejected = Object.assign(new Error('invalid client secret'), { name: 'AuthenticationError' });
    const required = new Error('AuthenticationRequired: the token has expired');

    expect(remedyFor(unavailable)).toMatch(AZ_LOGIN);
    expect(remedyFor(rejected)).toMatch(AZ_LOGIN);
    expect(remedyFor(required)).toMatch(AZ_LOGIN);
  });

  const codes: [string, RegExp][] = [
    ['EADDRINUSE', /^the port is taken: choose another one/],
    ['EACCES', /check the permissions of that path/],
    ['EPERM', /check the permissions of that path/],
    ['ENOENT', /^check that the path exists$/],
    ['ENOSPC', /free some disk space/],
    ['ECONNREFUSED', /nothing answers at that address: check the endpoint setting/],
    ['MODULE_NOT_FOUND', /run `npm ci`/],
    ['ERR_MODULE_NOT_FOUND', /run `npm ci`/],
  ];
  test.each(codes)('gives specific advice for %s', (code, advice) => {
    expect(remedyFor(systemError(`${code}: something failed`, code))).toMatch(advice);
  });

  test('reads the code of an error Node itself threw', () => {
    const thrown = thrownBy(() => readFileSync(path.join(tmpdir(), 'aks-baseline-guard-no-such-file.json')));

    expect(remedyFor(thrown)).toBe('check that the path exists');
  });

  test('finds the system code on the cause of a wrapped error', () => {
    const wrapped = new Error('the emulator could not start', { cause: systemError('listen EADDRINUSE: address already in use :::8443', 'EADDRINUSE') });

    expect(remedyFor(wrapped)).toMatch(/^the port is taken/);
  });

  test('tells the user to sign in when the authentication error is the cause of a wrapped one', () => {
    const cause = Object.assign(new Error('no credential'), { name: 'CredentialUnavailableError' });

    expect(remedyFor(new Error('scan failed', { cause }))).toMatch(AZ_LOGIN);
  });

  test('reads a code from a cause that is a plain object', () => {
    expect(remedyFor(new Error('listen failed', { cause: { code: 'EADDRINUSE' } }))).toMatch(/port is taken/);
  });

  test('prefers the code of the error itself to the code of its cause', () => {
    const error = Object.assign(new Error('cannot write the report', { cause: systemError('no space', 'ENOSPC') }), { code: 'EACCES' });

    expect(remedyFor(error)).toMatch(/check the permissions/);
  });

  test('has nothing to say about unknown errors, unknown codes, or values that are not errors', () => {
    expect(remedyFor(new Error('something else went wrong'))).toBeUndefined();
    expect(remedyFor(systemError('odd', 'EWHATEVER'))).toBeUndefined();
    expect(remedyFor('a thrown string')).toBeUndefined();
    expect(remedyFor({ code: 'EADDRINUSE' })).toBeUndefined();
  });
});

describe('failureReport', () => {
  test('is one line with the cause, the remedy and how to see the stack', () => {
    const error = systemError('listen EADDRINUSE: address already in use 127.0.0.1:8443', 'EADDRINUSE');

    const report = failureReport('arm-emulator', 'start-up', error, { stack: false });

    expect(report).toBe(
      'arm-emulator: start-up failed: listen EADDRINUSE: address already in use 127.0.0.1:8443. ' +
        'What to do: the port is taken: choose another one, or stop what listens there ' +
        '(--verbose or DEBUG=aks-baseline-guard shows the stack trace)\n',
    );
    expect(report.trimEnd().split('\n')).toHaveLength(1);
  });

  test('without a remedy, ends the line with the stack hint', () => {
    const report = failureReport('aks-baseline-guard', 'evaluate', new Error('the ARM endpoint answered 500'), { stack: false });

    expect(report).toBe('aks-baseline-guard: evaluate failed: the ARM endpoint answered 500 (--verbose or DEBUG=aks-baseline-guard shows the stack trace)\n');
  });

  test('adds no empty line when asked for the stack of an error that has none', () => {
    const error = new Error('boom');
    error.stack = undefined;

    expect(failureReport('demo', 'the demo', error, { stack: true })).toBe('demo: the demo failed: boom\n');
  });

  test('puts the stack after the line when asked for, instead of the hint', () => {
    const error = new Error('boom');

    const report = failureReport('demo', 'the demo', error, { stack: true });

    expect(report).toBe(`demo: the demo failed: boom\n${error.stack}\n`);
    expect(report).not.toContain('--verbose');
    expect(report.split('\n')[1]).toBe('Error: boom');
  });

  test('uses the remedy it is given instead of the generic advice', () => {
    const error = systemError('connect ECONNREFUSED 127.0.0.1:10000', 'ECONNREFUSED');

    const report = failureReport('aks-baseline-guard', 'scan', error, { stack: false, remedy: 'start Azurite with `npm run azurite`' });

    expect(report).toMatch(/^aks-baseline-guard: scan failed: connect ECONNREFUSED 127\.0\.0\.1:10000\. What to do: start Azurite with `npm run azurite` \(/);
    expect(report).not.toMatch(/check the endpoint setting/);
  });

  test.each(['.', '!', '?'])('adds no second period after a cause that ends with "%s"', (mark) => {
    const report = failureReport('aks-baseline-guard', 'scan', new Error(`the subscription is disabled${mark}`), { stack: false, remedy: 'enable it' });

    expect(report).toMatch(new RegExp(`the subscription is disabled\\${mark} What to do: enable it \\(`));
  });

  test('keeps only the first non-empty line of a multi-line message, with whitespace folded', () => {
    const error = new Error('\n   request   failed:\tstatus 503\nat the second line\nand a third');

    const report = failureReport('aks-baseline-guard', 'scan', error, { stack: false });

    expect(report).toBe('aks-baseline-guard: scan failed: request failed: status 503 (--verbose or DEBUG=aks-baseline-guard shows the stack trace)\n');
  });

  test('names the error class when the message is empty, and reports thrown non-errors', () => {
    const unnamed = Object.assign(new Error(''), { name: 'TimeoutError' });

    expect(failureReport('demo', 'the demo', unnamed, { stack: false })).toMatch(/^demo: the demo failed: TimeoutError \(/);
    expect(failureReport('demo', 'the demo', 'a plain string', { stack: false })).toMatch(/^demo: the demo failed: a plain string \(/);
  });
});
