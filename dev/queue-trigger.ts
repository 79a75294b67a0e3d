// What the Functions queue trigger hands a handler, for the code that plays the host here (the test driver, the
// benchmarks): host.json's messageEncoding is base64, and a JSON body arrives parsed, anything else as text.
export function decodeQueueTriggerMessage(messageText: string): unknown {
  const text = Buffer.from(messageText, 'base64').toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
