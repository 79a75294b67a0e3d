// Ends a Jest run with the plain closing line CI reads ("N passed, N failed, N skipped"); Jest's own summary is not
// one it knows. Written at exit, so it comes after the coverage summary and threshold messages.
import { writeSync } from 'node:fs';

export default class SummaryReporter {
  onRunComplete(_testContexts, results) {
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`;
    process.once('exit', () => writeSync(1, line));
  }
}
