import { SandboxError } from '@codemonkeys/protocol';

/**
 * The image of an environment could not be had: its base image is missing, the build failed, or an
 * official image could not be pulled. Nothing about the candidate patch can be said then.
 */
export class EnvironmentImageError extends SandboxError {
  static override readonly errorName: string = 'EnvironmentImageError';
  readonly image: string;
  /** `base`: the base image is missing; `build`: building the environment image failed; `pull`: pulling an official image failed. */
  readonly phase: 'base' | 'build' | 'pull';

  constructor(options: { image: string; phase: 'base' | 'build' | 'pull'; message: string; cause?: unknown }) {
    super(options.message, { cause: options.cause });
    this.image = options.image;
    this.phase = options.phase;
  }
}

/** A spec's setup commands (or putting the repository into the sandbox) failed for an instance. */
export class EnvironmentSetupError extends SandboxError {
  static override readonly errorName: string = 'EnvironmentSetupError';
  readonly instanceId: string;

  constructor(options: { instanceId: string; message: string; cause?: unknown }) {
    super(options.message, { cause: options.cause });
    this.instanceId = options.instanceId;
  }
}
