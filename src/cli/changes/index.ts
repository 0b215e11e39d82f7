/**
 * Changes to numbers: one flow for every changing command (targets → plan → confirm → submit → wait →
 * outcome), one concern per module. Commands import from here.
 */
export { addChangeOptions, addTargetOptions, type ChangeFlags, type ChangeRequest } from './options.js';
export { followOperations, runChange } from './run.js';
export { waitForOperation } from './wait.js';
export { itemColumns, operationColumns, printOperations, recordOutcome, reportOutcome } from './outcome.js';
