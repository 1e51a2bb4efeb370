/**
 * Talos knowledge: the siderolabs/pkgs and siderolabs/extensions repositories (targets, package
 * and extension folders, variable files), make invocations, extension rules, image contents.
 */
export * from './pkgfile/index';
export * from './pkgs/index';
export * from './extensions/index';
export * from './make/index';
export * from './talos-repo/index';
export * from './installer/index';
export * from './ttl/index';
export * from './scaffold/index';
export * from './extension-rules/index';
export * from './udev/index';
export * from './image-contents/index';
export * from './wiring/index';
export * from './release/index';
export * from './node-extensions/index';
