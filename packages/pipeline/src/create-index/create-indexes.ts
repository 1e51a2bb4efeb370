/**
 * The create-index step: after per-platform builds on separate runners (one job per platform),
 * joins each image's platform builds into one multi-platform index under its tag, and fails naming
 * every image and platform that is missing, duplicated or not asked for.
 */
import { UserError, describeError, isUserError, nullLogger, type Logger } from '@talos-kmod/common';
import {
  createIndex,
  parsePlatform,
  parseReference,
  type CreateIndexResult,
  type RegistryOptions,
} from '@talos-kmod/oci';

/** One index to write: its destination (repository:tag) and the per-platform images. */
export interface IndexRequest {
  readonly destination: string;
  readonly sources: readonly string[];
}

/** Options for {@link createIndexes}. */
export interface CreateIndexesOptions {
  readonly indexes: readonly IndexRequest[];
  /** Platforms every index must hold exactly (e.g. linux/amd64, linux/arm64); default: any. */
  readonly platforms?: readonly string[];
}

/** What the step needs from its caller. */
export interface CreateIndexesDeps {
  logger?: Logger;
  registry?: RegistryOptions;
}

/** What was pushed: destination → pinned index, and each index's entries. */
export interface CreateIndexesResult {
  readonly indexes: Record<string, string>;
  readonly results: readonly CreateIndexResult[];
}

/** Parses `{"dest": ["src", …], …}` (the action's `indexes` input, the CLI's `--from-json`). */
export function parseIndexRequests(json: string, where: string): IndexRequest[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new UserError(
      `${where} is not JSON: give an object of destination → list of source images, e.g. {"ghcr.io/acme/kernel:v1": ["ghcr.io/acme/kernel:v1-amd64", "ghcr.io/acme/kernel:v1-arm64"]}`,
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`${where} must be a JSON object of destination → list of source images`);
  }
  return Object.entries(value as Record<string, unknown>).map(([destination, sources]) => {
    if (!Array.isArray(sources) || !sources.every((s) => typeof s === 'string')) {
      throw new UserError(
        `${where}: the sources of '${destination}' must be a list of image references`,
      );
    }
    return { destination, sources: (sources as string[]).filter((s) => s !== '') };
  });
}

/** Pushes every requested index; all are attempted, then every failure is reported together. */
export async function createIndexes(
  options: CreateIndexesOptions,
  deps: CreateIndexesDeps = {},
): Promise<CreateIndexesResult> {
  const logger = deps.logger ?? nullLogger;
  if (options.indexes.length === 0) {
    throw new UserError('no index to create: give at least one destination and its sources');
  }
  const platforms = options.platforms?.map((p) => parsePlatform(p));
  // Every reference is parsed before any work starts: a typo fails at once, as a usage error.
  const requests = options.indexes.map((r) => ({
    destination: r.destination,
    dest: parseReference(r.destination),
    sources: r.sources.map((s) => parseReference(s)),
  }));
  const indexes: Record<string, string> = {};
  const results: CreateIndexResult[] = [];
  const failures: unknown[] = [];
  for (const request of requests) {
    await logger.group(`Create the index ${request.destination}`, async () => {
      try {
        const result = await createIndex(request.dest, request.sources, {
          ...deps.registry,
          ...(platforms ? { platforms } : {}),
        });
        for (const e of result.entries) logger.info(`${e.platform}: ${e.reference.toString()}`);
        const pinned = result.reference.toString();
        logger.info(`pushed ${pinned} (${result.mediaType})`);
        indexes[request.destination] = pinned;
        results.push(result);
      } catch (e: unknown) {
        if (!isUserError(e)) throw e;
        // One index: its own error is the result (the caller reports it once, and its kind, e.g.
        // an unreachable registry, decides the exit code). Several: each is logged where it failed.
        if (requests.length > 1) logger.error(describeError(e));
        failures.push(e);
      }
    });
  }
  if (failures.length === 1 && requests.length === 1) throw failures[0];
  if (failures.length > 0) {
    throw new UserError(
      `${failures.length} of ${requests.length} indexes could not be created:\n${failures.map((f) => `- ${describeError(f)}`).join('\n')}`,
    );
  }
  return { indexes, results };
}

/** A job summary: one table row per platform image of each index. */
export function indexesSummary(result: CreateIndexesResult): string {
  const lines = ['### Multi-platform images', '', '| index | platform | image |', '|---|---|---|'];
  for (const r of result.results) {
    for (const e of r.entries)
      lines.push(`| \`${r.reference}\` | ${e.platform} | \`${e.digest}\` |`);
  }
  return `${lines.join('\n')}\n`;
}
