export { packageMeta } from './package-meta';
export { DockerSandbox, createDockerSandbox } from './docker-sandbox';
export { DockerSandboxOptionsSchema, defaultLinuxCapabilities, type DockerSandboxOptions, type DockerSandboxSettings } from './docker-sandbox-options';
export { DockerSandboxSession } from './docker-sandbox-session';
export { DockerImages, imageDefinitionHash, type BuildContextFile, type BuildImageOptions, type ImageDefinition, type ImageInfo, type ImportImageOptions } from './docker-images';
export {
  classifyPullFailure,
  ImagePullError,
  pullRetryDelayMs,
  registryOfReference,
  type PullFailureKind,
  type PullImageOptions,
  type PullRetryOptions,
} from './image-pull';
export type { BudgetImage, BudgetImageUsage, ImageDiskBudgetOptions, ImageDiskBudgetResult, ImageDiskUsage } from './image-disk-budget';
export { reapLeftoverContainers, type ReapResult } from './reap-leftover-containers';
export { currentOwner, ownerLiveness, type OwnerIdentity, type OwnerLiveness } from './owner-identity';
export { sandboxLabels } from './sandbox-labels';
export type { KillStrategy } from './run-docker-exec';
