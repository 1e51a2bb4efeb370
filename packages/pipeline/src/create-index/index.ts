/** The create-index step: join per-platform images into multi-platform indexes. */
export * from './create-indexes';
