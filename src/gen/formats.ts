// The line formats `logpulse gen` and the daemon's `generator:` source write. A leaf module: the source-URI
// grammar checks `generator:?format=` against it without importing the generator.
export const GEN_FORMATS = ['json', 'csv', 'clf'] as const;
export type GenFormat = (typeof GEN_FORMATS)[number];
