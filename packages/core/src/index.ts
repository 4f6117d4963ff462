/**
 * @deprecated `@codemonkeys/core` is split: the contracts are in `@codemonkeys/protocol`, the helpers
 * plugins share in `@codemonkeys/plugin-kit`. This package re-exports both for one release so that
 * plugins published against it keep working; import those packages instead.
 */
export * from '@codemonkeys/protocol';
export * from '@codemonkeys/plugin-kit';
