// The unified-diff reader lives in @codemonkeys/plugin-kit (one parser for swebench, rewards and the plugins).
export { parseUnifiedDiff, unquoteGitPath } from '@codemonkeys/plugin-kit';
