// The workflow bundle the tests run: the product's workflows and the smoke-test workflows.
export * from '../../src/workflows/index.js';
export * from './smoke-workflows.js';
