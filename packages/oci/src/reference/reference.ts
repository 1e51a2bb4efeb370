/**
 * Image references after the distribution reference grammar
 * (distribution/reference: `reference.go`, `normalize.go`): `[registry/]repository[:tag][@digest]`
 * with Docker Hub defaults (`docker.io`, `library/`) applied.
 */
import { InputError, type UserError } from '@talos-kmod/common';
import { isDigest, type Digest } from './digest';
import { dockerHub } from './host';

/** A parsed image reference. Strings only at the edges: parse once, pass this around. */
export interface Reference {
  /** Registry host with optional port, e.g. `ghcr.io`, `127.0.0.1:5000`, `docker.io`. */
  readonly registry: string;
  /** Repository path, e.g. `siderolabs/installer`, `library/alpine`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
  /** Canonical form: `registry/repository[:tag][@digest]`. */
  toString(): string;
}

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainPattern = new RegExp(
  `^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`,
);
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const maxNameLength = 255;

class ParsedReference implements Reference {
  constructor(
    readonly registry: string,
    readonly repository: string,
    readonly tag?: string,
    readonly digest?: Digest,
  ) {}

  toString(): string {
    return `${this.registry}/${this.repository}${this.tag ? `:${this.tag}` : ''}${
      this.digest ? `@${this.digest}` : ''
    }`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Builds a reference from parts that are already valid. */
export function makeReference(
  registry: string,
  repository: string,
  tag?: string,
  digest?: Digest,
): Reference {
  return new ParsedReference(registry, repository, tag, digest);
}

function invalid(input: string, why: string): UserError {
  return new InputError(
    `invalid image reference '${input}': ${why}; expected [registry/]repository[:tag][@sha256:digest], e.g. ghcr.io/acme/hailort-pkg:v1.2.3`,
  );
}

/** Splits off the registry when the first path component looks like a host (has '.' or ':', is localhost, or has upper case). */
function splitRegistry(name: string): { registry: string; rest: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  if (
    slash === -1 ||
    (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)
  ) {
    return { registry: dockerHub, rest: name };
  }
  return { registry: first, rest: name.slice(slash + 1) };
}

/**
 * Parses an image reference. `alpine` becomes `docker.io/library/alpine`; `index.docker.io` is
 * `docker.io`. No tag is added: callers that need one default to `latest`. Throws a
 * {@link UserError} naming the value when it is not a valid reference.
 */
export function parseReference(input: string): Reference {
  const s = input.trim();
  if (s === '') throw invalid(input, 'it is empty');
  if (/^[a-z]+:\/\//i.test(s) && !s.startsWith('docker://')) {
    throw invalid(input, 'a reference has no URL scheme');
  }
  let rest = s.startsWith('docker://') ? s.slice('docker://'.length) : s;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const text = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(text)) {
      throw invalid(input, `'${text}' is not a digest (sha256: and 64 lower-case hex digits)`);
    }
    digest = text;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1 && !rest.slice(colon + 1).includes('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) {
      throw invalid(
        input,
        `'${tag}' is not a valid tag (letters, digits, '_', '.', '-'; at most 128)`,
      );
    }
  }
  if (rest === '') throw invalid(input, 'the repository name is missing');
  const split = splitRegistry(rest);
  let registry = split.registry;
  let repository = split.rest;
  if (!domainPattern.test(registry))
    throw invalid(input, `'${registry}' is not a valid registry host`);
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = dockerHub;
  if (registry === dockerHub && !repository.includes('/')) repository = `library/${repository}`;
  checkName(input, registry, repository);
  return new ParsedReference(registry, repository, tag, digest);
}

/** Throws when a path component of `repository` or the whole name breaks the grammar. */
function checkName(input: string, registry: string, repository: string): void {
  for (const component of repository.split('/')) {
    if (!pathComponent.test(component)) {
      const hint = /[A-Z]/.test(component) ? ' (repository names must be lower case)' : '';
      throw invalid(
        input,
        `'${component || '(empty)'}' is not a valid repository path component${hint}`,
      );
    }
  }
  if (registry.length + 1 + repository.length > maxNameLength) {
    throw invalid(input, `the name is longer than ${maxNameLength} characters`);
  }
}

/**
 * A reference that names one manifest by its digest (`R/U/name[:tag]@sha256:…`): what the steps
 * pass on after a registry reported the digest. Made only by {@link requirePinned}, {@link withDigest},
 * {@link atDigest} or {@link parsePinnedReference}, so holding one means the digest is there.
 */
export type PinnedReference = Reference & { readonly digest: Digest };

/** True (and `ref` is a {@link PinnedReference}) when `ref` carries a digest. */
export function isPinned(ref: Reference): ref is PinnedReference {
  return ref.digest !== undefined;
}

/** `ref` as a {@link PinnedReference}; throws an {@link InputError} naming it when it has no digest. */
export function requirePinned(ref: Reference): PinnedReference {
  if (!isPinned(ref)) {
    throw new InputError(
      `image reference '${ref.toString()}' is not pinned: expected [registry/]repository[:tag]@sha256:digest`,
    );
  }
  return ref;
}

/** Parses a reference that must be pinned (`…@sha256:…`); throws an {@link InputError} otherwise. */
export function parsePinnedReference(input: string): PinnedReference {
  return requirePinned(parseReference(input));
}

/** The reference pinned to `digest`, keeping its tag: `R/U/name:tag@sha256:…`. */
export function withDigest(ref: Reference, digest: Digest): PinnedReference {
  return new ParsedReference(ref.registry, ref.repository, ref.tag, digest) as PinnedReference;
}

/** The repository of `ref` at `digest`, without a tag: `R/U/name@sha256:…`. */
export function atDigest(ref: Reference, digest: Digest): PinnedReference {
  return new ParsedReference(ref.registry, ref.repository, undefined, digest) as PinnedReference;
}

/** The same repository and tag without the digest: what the tag points at now. */
export function withoutDigest(ref: Reference): Reference {
  return new ParsedReference(ref.registry, ref.repository, ref.tag);
}

declare const tagBrand: unique symbol;

/**
 * An image tag that the reference grammar accepts (up to 128 of letters, digits, `_ . -`, not
 * starting with `.` or `-`). Made only by {@link parseTag}, so holding one means it was checked.
 */
export type Tag = string & { readonly [tagBrand]: true };

/** Parses an image tag; throws an {@link InputError} naming it when the grammar refuses it. */
export function parseTag(input: string): Tag {
  if (!tagPattern.test(input)) {
    throw new InputError(
      `invalid tag '${input}': up to 128 letters, digits, _ . - not starting with . or -`,
    );
  }
  return input as Tag;
}

/** The same repository with another tag and no digest. */
export function withTag(ref: Reference, tag: string): Reference {
  if (!tagPattern.test(tag))
    throw new InputError(`invalid tag '${tag}' for ${ref.registry}/${ref.repository}`);
  return new ParsedReference(ref.registry, ref.repository, tag);
}

/**
 * Where a build names its images: a registry and a repository path under it (`ghcr.io/acme`,
 * `127.0.0.1:5005/u`), as `REGISTRY/USERNAME` and `PKGS_PREFIX` are. Parse it once with
 * {@link parseNamespace}; name an image in it with {@link imageIn}.
 */
export interface Namespace {
  readonly registry: string;
  /** Repository path under the registry; `''` for the registry's root. */
  readonly path: string;
  /** `registry[/path]`. */
  toString(): string;
}

class ParsedNamespace implements Namespace {
  constructor(
    readonly registry: string,
    readonly path: string,
  ) {}

  toString(): string {
    return this.path ? `${this.registry}/${this.path}` : this.registry;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Parses `registry[/path]`; throws an {@link InputError} naming it when it is not one. */
export function parseNamespace(input: string): Namespace {
  const ref = parseReference(`${input.trim()}/x`);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new InputError(
      `invalid namespace '${input}': expected registry/namespace, e.g. ghcr.io/acme`,
    );
  }
  return new ParsedNamespace(ref.registry, ref.repository.slice(0, -'/x'.length));
}

/**
 * The image `name[:tag]` in `namespace`, checked against the reference grammar (each path
 * component, the tag, the length); throws an {@link InputError} naming the reference otherwise.
 */
export function imageIn(namespace: Namespace, name: string, tag?: string): Reference {
  const text = `${namespace.toString()}/${name}${tag !== undefined ? `:${tag}` : ''}`;
  if (tag !== undefined && !tagPattern.test(tag)) {
    throw invalid(
      text,
      `'${tag}' is not a valid tag (letters, digits, '_', '.', '-'; at most 128)`,
    );
  }
  let repository = namespace.path ? `${namespace.path}/${name}` : name;
  if (namespace.registry === dockerHub && !repository.includes('/')) {
    repository = `library/${repository}`;
  }
  checkName(text, namespace.registry, repository);
  return new ParsedReference(namespace.registry, repository, tag);
}

/** What to ask the registry for: the digest when pinned, else the tag, else `latest`. */
export function manifestIdentifier(ref: Reference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** `registry/repository` without tag or digest. */
export function repositoryName(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}
