// The error a promise rejects with, for tests that go on to inspect it (classify it, read its fields).
// `await expect(promise).rejects...` is the way to assert on a rejection; this is for when the error is an input.

/** Resolves with the rejection reason of `promise`; rejects, saying what it resolved with, when it fulfils instead. */
export async function rejectionOf(promise: Promise<unknown>, expected = 'a rejection'): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${expected}, but the promise resolved with ${describe(value)}`);
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 500) ?? String(value);
  } catch {
    return String(value);
  }
}
