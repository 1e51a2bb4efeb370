/** The node's other extensions: schematics, `talosctl get extensions` output, the official catalog. */
export type { CatalogEntry } from './official-catalog';
export {
  officialExtensionsRepository,
  parseImageDigests,
  extensionNameAliases,
  officialName,
  resolveOfficialExtensions,
} from './official-catalog';
export { parseSchematicExtensions } from './schematic';
export type { NodeExtension } from './extension-statuses';
export {
  extensionStatusType,
  syntheticExtensionNames,
  parseExtensionStatuses,
} from './extension-statuses';
export type { OfficialCatalog } from './read-catalog';
export { readOfficialCatalog } from './read-catalog';
