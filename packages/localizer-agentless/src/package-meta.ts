import manifest from '../package.json' with { type: 'json' };

/** This package's name and version, as in its package.json (recorded with every run). */
export const packageMeta = { name: manifest.name, version: manifest.version } as const;
