/**
 * Evaluation over datasets in the wsolevaluation layout: the reader, the runner and the reports.
 */
export * from './dataset';
export * from './runner';
export * from './report';
export * from './cases';
