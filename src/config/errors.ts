// Moved: error codes to ../errors.ts, ConfigProblem and formatProblem to ./problems.ts. Re-exported only for
// the modules still importing them from here (cli/run.ts, config/load.ts); delete once they import problems.js.
export { type ConfigProblem, formatProblem } from './problems.js';
