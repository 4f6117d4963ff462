/** @deprecated Import `@codemonkeys/protocol/testkit`. */
export * from '@codemonkeys/protocol/testkit';
