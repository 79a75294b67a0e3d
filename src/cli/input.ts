// Reading the files a command is given. `-` means standard input. A file past the size limit is refused before it is
// read, and JSON nested past the depth limit before it is parsed (core/limits.ts), each naming the file and the limit.
import { readFile, stat } from 'node:fs/promises';
import { INPUT_LIMITS, jsonTextProblem } from '../core/limits.js';
import { CliInputError } from './exit.js';

export const STDIN = '-';

/** How a source is named in messages. */
export function sourceName(file: string): string {
  return file === STDIN ? '(stdin)' : file;
}

/** UTF-8 bytes can be at most one character each: more bytes than the character limit is more than is read. */
const MAX_BYTES = INPUT_LIMITS.maxDocumentCharacters;

function tooLarge(file: string, bytes: number): CliInputError {
  return new CliInputError(sourceName(file), [`is too large: ${bytes} bytes, at most ${MAX_BYTES} are read`]);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    bytes += buffer.length;
    if (bytes > MAX_BYTES) throw tooLarge(STDIN, bytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function unreadable(file: string, error: unknown): CliInputError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
  return new CliInputError(sourceName(file), [`cannot read: ${why}`]);
}

export async function readText(file: string): Promise<string> {
  if (file === STDIN) return readStdin();
  let size: number;
  try {
    // A FIFO or /dev/stdin has no size; it is read like any other file.
    const info = await stat(file);
    size = info.isFile() ? info.size : 0;
  } catch (error) {
    throw unreadable(file, error);
  }
  if (size > MAX_BYTES) throw tooLarge(file, size);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw unreadable(file, error);
  }
}

/** Reads and parses a JSON file; the message names the file and says why it is not JSON. */
export async function readJson(file: string): Promise<unknown> {
  const text = (await readText(file)).replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new CliInputError(sourceName(file), ['is empty: expected JSON']);
  const problem = jsonTextProblem(text);
  if (problem) throw new CliInputError(sourceName(file), [problem]);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliInputError(sourceName(file), [`is not valid JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
}
