import type { InstanceSandboxProviderOptions } from '@codemonkeys/swebench';
import { findBaseImageScript, runBaseImageScript } from './base-image-script';

/**
 * The instance sandbox provider's hooks for slow image builds, shared by `eval` and `run`: the first
 * build of an environment image is announced once per image (it takes minutes; its output goes to the
 * error if it fails), and with `buildBaseImages` a missing Debian base image is built with the
 * checkout's script (absent for an installed runner without a checkout).
 */
export function imageBuildHooks(buildBaseImages: boolean, log: (message: string) => void): Pick<InstanceSandboxProviderOptions, 'onImageLog' | 'buildBaseImage'> {
  const script = buildBaseImages ? findBaseImageScript() : undefined;
  const announced = new Set<string>();
  return {
    onImageLog: (_line: string, image: string) => {
      if (announced.has(image)) return;
      announced.add(image);
      log(`building the environment image ${image} (once; later instances of this environment reuse it)`);
    },
    ...(script
      ? {
          buildBaseImage: async (suite: string, image: string) => {
            log(`building the base image ${image} with ${script} (debootstrap of Debian ${suite}, about two minutes)`);
            await runBaseImageScript(script, suite, image, () => undefined);
          },
        }
      : {}),
  };
}
