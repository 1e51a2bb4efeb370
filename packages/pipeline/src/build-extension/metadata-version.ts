/** The extension tag buildx reports in its metadata file (`image.name`), for VERSIONs bldr alone can evaluate. */
import { readBuildxMetadata } from '../step-kit/metadata';

/** The tag buildx reports for `prefix/extension` in the metadata file, if any. */
export async function versionFromMetadata(
  file: string | undefined,
  name: string,
): Promise<string | undefined> {
  if (!file) return undefined;
  const meta = await readBuildxMetadata(file).catch(() => undefined);
  for (const n of meta?.imageNames ?? []) {
    if (n.startsWith(`${name}:`)) return n.slice(name.length + 1);
  }
  return undefined;
}
