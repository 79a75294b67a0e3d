#!/usr/bin/env node
// The aks-baseline-guard command line: a list of command registrations. Each command lives in commands/<name>.ts.
import { register as registerBaseline } from './commands/baseline.js';
import { register as registerEvaluate } from './commands/evaluate.js';
import { register as registerScan } from './commands/scan.js';
import { register as registerEvents } from './commands/events.js';
import { register as registerReport } from './commands/report.js';
import { register as registerRollout } from './commands/rollout.js';
import { runCli } from './exit.js';
import { createProgram } from './program.js';

const program = createProgram();
registerEvaluate(program);
registerBaseline(program);
registerScan(program);
registerEvents(program);
registerReport(program);
registerRollout(program);

process.exitCode = await runCli(program, process.argv);
