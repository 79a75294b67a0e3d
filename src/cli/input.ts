// Reading the files a command is given. `-` means standard input.
import { readFile } from 'node:fs/promises';
import { CliInputError } from './exit.js';

export const STDIN = '-';

/** How a source is named in messages. */
export function sourceName(file: string): string {
  return file === STDIN ? '(stdin)' : file;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export async function readText(file: string): Promise<string> {
  if (file === STDIN) return readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new CliInputError(sourceName(file), [`cannot read: ${why}`]);
  }
}

/** Reads and parses a JSON file; the message names the file and says why it is not JSON. */
export async function readJson(file: string): Promise<unknown> {
  const text = (await readText(file)).replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new CliInputError(sourceName(file), ['is empty: expected JSON']);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliInputError(sourceName(file), [`is not valid JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
}
