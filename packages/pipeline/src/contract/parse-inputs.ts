/**
 * An input's text made into the typed value a step takes, once, in the contract: a registry
 * namespace, platforms, a tag, an image reference. Text that is not one fails here with a
 * {@link FieldError} naming the input (each front end words it: `input 'tag'`, `--tag`), before a
 * step starts; the steps take the parsed types and do not check them again. Every value is also
 * checked to be safe on a make command line, where the build steps put it.
 */
import { FieldError, type FieldNamer } from '@talos-kmod/common';
import {
  formatPlatform,
  isPinned,
  parseNamespace,
  parsePlatform,
  parseReference,
  parseTag,
  type Namespace,
  type PinnedReference,
  type Platform,
  type Reference,
  type Tag,
} from '@talos-kmod/oci';
import { isMakeValue, unsafeMakeValueProblem, type MakeValue } from '@talos-kmod/talos';

/**
 * `value` of input `field` as a {@link MakeValue}; a {@link FieldError} naming the input when it
 * may not go onto a make command line.
 */
export function checkMakeValue(field: string, value: string): MakeValue {
  if (isMakeValue(value)) return value;
  const problem = unsafeMakeValueProblem(value) ?? '';
  throw new FieldError(field, (n) => `${n(field)} ${problem}`);
}

/**
 * `text` of input `field` parsed by `parse`, after the make check; when `parse` refuses it, a
 * {@link FieldError} worded by `words` (given the input's name and the parser's reason).
 */
function parseField<T>(
  field: string,
  text: string,
  parse: (text: string) => T,
  words: (name: string, why: string) => string,
): T {
  checkMakeValue(field, text);
  try {
    return parse(text);
  } catch (e: unknown) {
    const why = e instanceof Error ? e.message : String(e);
    throw new FieldError(field, (n) => words(n(field), why), { cause: e });
  }
}

/** Input `field` as a {@link Tag}; a {@link FieldError} when it is not one. */
export function parseTagInput(field: string, text: string, example = 'v1.11.0'): Tag {
  return parseField(
    field,
    text,
    parseTag,
    (name) =>
      `${name} is '${text}', which is not a valid image tag: up to 128 letters, digits, _ . - not starting with . or - (e.g. ${example})`,
  );
}

const namespacePattern =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** The names Docker Hub goes by: a `registry` input may name it so. */
const dockerHubNames = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Inputs `registry` and `username` (the push target, `REGISTRY/USERNAME`) as one namespace. */
export function parsePushTarget(registry: string, username: string): Namespace {
  if (registry.startsWith('[')) {
    // before the make check, whose advice (remove the character) would not give a working host
    throw new FieldError(
      'registry',
      (n) =>
        `${n('registry')} is '${registry}', an IPv6 address: it cannot go onto make's command line (the shell reads [ ] as a pattern); give the registry a host name instead, e.g. localhost:5000 for [::1]:5000`,
    );
  }
  checkMakeValue('registry', registry);
  checkMakeValue('username', username);
  if (registry === '') {
    throw new FieldError(
      'registry',
      (n) => `${n('registry')} is empty: set the registry to push to, e.g. ghcr.io`,
    );
  }
  if (username === '') {
    throw new FieldError(
      'username',
      (n) =>
        `${n('username')} is empty: set the registry namespace (e.g. your GitHub user or org, lower case)`,
    );
  }
  if (!namespacePattern.test(username)) {
    throw new FieldError(
      'username',
      (n) =>
        `${n('username')} is '${username}', which is not a valid repository namespace: use lower-case ` +
        `letters, digits and . _ - (e.g. '${username.toLowerCase()}')`,
    );
  }
  let namespace: Namespace;
  try {
    namespace = parseNamespace(`${registry}/${username}`);
  } catch (e: unknown) {
    throw new FieldError(
      'registry',
      (n) =>
        `${n('registry')} is '${registry}', which is not a registry host[:port] (e.g. ghcr.io or 127.0.0.1:5005)`,
      { cause: e },
    );
  }
  const host = registry.split('/')[0] ?? '';
  if (namespace.registry === 'docker.io' && !dockerHubNames.has(host.toLowerCase())) {
    // docker (and the reference grammar) read a first component without '.' or ':' as a Docker
    // Hub namespace, so make would push `myregistry/acme/x` to docker.io/myregistry/acme/x
    throw new FieldError(
      'registry',
      (n) =>
        `${n('registry')} is '${registry}', which docker reads as a Docker Hub namespace, not a registry host: a host needs a '.' or a port (e.g. ${host}:5000 or ${host}.example.com), or is localhost; for Docker Hub give docker.io`,
    );
  }
  return namespace;
}

/** Input `field` (`registry/namespace`, e.g. `pkgs-prefix`) as a {@link Namespace}. */
export function parseNamespaceInput(field: string, text: string): Namespace {
  return parseField(field, text, parseNamespace, (name) => {
    const [host = '', ...path] = text.split('/');
    const lower = [host, ...path.map((p) => p.toLowerCase())].join('/');
    const hint =
      lower !== text && isNamespace(lower)
        ? `: repository namespaces are lower case, e.g. '${lower}'`
        : ' (e.g. ghcr.io/acme)';
    return `${name} is '${text}', which is not registry/namespace${hint}`;
  });
}

function isNamespace(text: string): boolean {
  try {
    parseNamespace(text);
    return true;
  } catch {
    return false;
  }
}

/** List input `field` as platforms, in input order without duplicates; at least one. */
export function parsePlatformsInput(field: string, items: readonly string[]): readonly Platform[] {
  if (items.length === 0) {
    throw new FieldError(
      field,
      (n) => `${n(field)} is empty: use e.g. linux/amd64 or linux/amd64,linux/arm64`,
    );
  }
  const out = new Map<string, Platform>();
  for (const item of items) {
    const platform = parseField(
      field,
      item,
      parsePlatform,
      (name) => `${name} has '${item}', which is not os/arch[/variant] (e.g. linux/amd64)`,
    );
    out.set(formatPlatform(platform), platform);
  }
  return [...out.values()];
}

/** Input `field` as an image reference; the parser's reason when it is not one. */
export function parseReferenceInput(field: string, text: string): Reference {
  return parseField(field, text, parseReference, (name, why) => `${name}: ${why}`);
}

/**
 * Input `field` as a pinned image reference (`…@sha256:…`); `next` says where a pinned one comes
 * from when the text has no digest. `verb` is `has` for an item of a list input.
 */
export function parsePinnedInput(
  field: string,
  text: string,
  next: (n: FieldNamer) => string,
  verb: 'is' | 'has' = 'is',
): PinnedReference {
  const ref = parseReferenceInput(field, text);
  if (!isPinned(ref)) {
    throw new FieldError(
      field,
      (n) => `${n(field)} ${verb} '${text}', which is not pinned: ${next(n)}`,
    );
  }
  return ref;
}
