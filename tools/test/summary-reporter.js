'use strict';
/** Writes each project's pass/fail counts where `npm test` sums them (HOOKLINE_TEST_RESULTS_DIR). */
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
  }
  onRunComplete(contexts, results) {
    const dir = process.env.HOOKLINE_TEST_RESULTS_DIR;
    if (!dir) return;
    const project = [...contexts][0]?.config.displayName?.name ?? 'unknown';
    mkdirSync(dir, { recursive: true });
    const failedSuites = results.testResults.filter(
      (r) => r.testExecError || (r.failureMessage && r.numFailingTests === 0),
    ).length;
    writeFileSync(
      join(dir, `${project}.json`),
      JSON.stringify({
        project,
        passed: results.numPassedTests,
        failed: results.numFailedTests + failedSuites,
        skipped: results.numPendingTests + results.numTodoTests,
        suitesFailedToRun: failedSuites,
      }),
    );
  }
}
module.exports = SummaryReporter;
