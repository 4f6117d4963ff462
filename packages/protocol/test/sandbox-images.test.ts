import { describe, expect, it } from 'vitest';
import { sandboxImagesOf, UnsupportedCapabilityError, type Sandbox, type SandboxImages } from '../src/index';

const sandboxWith = (images?: SandboxImages): Sandbox => ({
  specificationVersion: 'v1',
  name: 'example',
  capabilities: { limits: false, isolatedNetwork: false },
  ...(images ? { images } : {}),
  open: () => Promise.reject(new Error('not used')),
  reapLeftovers: () => Promise.resolve(0),
  close: () => Promise.resolve(),
});

describe('sandbox images capability', () => {
  it('is returned when the sandbox declares it', () => {
    const images: SandboxImages = {
      ensure: (definition) => Promise.resolve({ tag: definition.tag, id: 'sha256:1', built: true }),
      pull: (reference) => Promise.resolve({ tag: reference, id: 'sha256:2', built: true }),
      exists: () => Promise.resolve(true),
    };
    expect(sandboxImagesOf(sandboxWith(images))).toBe(images);
  });

  it('is refused with UnsupportedCapabilityError naming the sandbox when absent', () => {
    let error: unknown;
    try {
      sandboxImagesOf(sandboxWith());
    } catch (caught) {
      error = caught;
    }
    expect(UnsupportedCapabilityError.isInstance(error)).toBe(true);
    expect((error as UnsupportedCapabilityError).capability).toBe('images');
    expect((error as Error).message).toMatch(/example sandbox does not support "images"/);
  });
});
