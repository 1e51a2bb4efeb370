/**
 * The verify-image step. The engine lives in @talos-kmod/verify; the step is re-exported here so
 * the actions and the CLI reach every step through the pipeline package.
 */
export * from '@talos-kmod/verify';
