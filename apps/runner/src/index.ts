export { packageMeta } from './package-meta';
export { createProgram } from './program';
export { exitCodes } from './exit-codes';
