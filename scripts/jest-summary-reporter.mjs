// Two things Jest's own reporters do not do:
// - hold the line coverage of ALL of src/ to a floor. Jest's per-path thresholds (src/core/ in jest.config.js) take
//   their files out of "global", so "global" alone could not say "85% of lines overall";
// - end the run with the plain closing line CI reads ("N passed, N failed, N skipped"), after the coverage summary.
import { writeSync } from 'node:fs';

export default class SummaryReporter {
  constructor(_globalConfig, options = {}) {
    this.overallLines = options.overallLines;
    this.results = undefined;
  }

  onRunComplete(_testContexts, results) {
    // Jest's coverage reporter runs after this one and attaches the coverage map to the same results object.
    this.results = results;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`;
    process.once('exit', () => writeSync(1, line));
  }

  // Asked once every reporter is done; an error here fails the run.
  getLastError() {
    const map = this.results?.coverageMap;
    if (!map || typeof this.overallLines !== 'number') return undefined;
    const lines = map.getCoverageSummary().lines.pct;
    const met = lines >= this.overallLines;
    writeSync(met ? 1 : 2, `Coverage of lines overall (src/): ${lines}% ${met ? 'meets' : 'does not meet'} the ${this.overallLines}% floor\n`);
    return met ? undefined : new Error(`line coverage of src/ is ${lines}%, below ${this.overallLines}%`);
  }
}
