export { packageMeta } from './package-meta';
export { GitCommandError } from './git/git-command-error';
