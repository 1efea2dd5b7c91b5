/**
 * Evaluation over datasets in the wsolevaluation layout: finding and reading a split, the checks
 * before a run, the runner with its checkpoints, and the reports.
 */
export * from './dataset';
export * from './runner';
export * from './report';
export * from './cases';
export * from './layout';
export * from './checkpoint';
export * from './preflight';
export * from './frame';
