export { packageMeta } from './package-meta';
