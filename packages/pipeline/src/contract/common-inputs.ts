/**
 * The inputs every build step spells the same way, defined once with their defaults, and the two
 * rules around them: the registry namespace falls back to the repository owner, and explicit
 * credentials come as a pair.
 */
import { FieldError } from '@talos-kmod/common';
import type { Namespace, Platform, Tag } from '@talos-kmod/oci';
import type { InputSpec } from './input-spec';
import { parsePlatformsInput, parsePushTarget, parseTagInput } from './parse-inputs';

/** The default registry of every build step. */
export const defaultRegistry = 'ghcr.io';
/** The default platform of every build step. */
export const defaultPlatform = 'linux/amd64';

/** `registry` and `username`: where images are pushed (`REGISTRY`, `USERNAME`). */
export const pushTargetInputs = {
  registry: {
    kind: 'string',
    default: defaultRegistry,
    help: 'registry to push to (REGISTRY)',
    placeholder: '<host>',
  },
  username: {
    kind: 'string',
    actionDefault: '${{ github.repository_owner }}',
    help: 'registry namespace (USERNAME; default $GITHUB_REPOSITORY_OWNER)',
    placeholder: '<name>',
  },
} as const satisfies Record<string, InputSpec>;

/** `platforms`. */
export const platformsInput = {
  platforms: {
    kind: 'list',
    default: defaultPlatform,
    flag: 'platform',
    help: `platform (repeatable; default ${defaultPlatform})`,
    placeholder: '<os/arch>',
  },
} as const satisfies Record<string, InputSpec>;

/** `insecure-registries`, `registry-username` and `registry-password`. */
export const registryAccessInputs = {
  'insecure-registries': {
    kind: 'list',
    default: '',
    flag: 'insecure-registry',
    help: 'registry reached over plain HTTP (repeatable; loopback is automatic)',
    placeholder: '<host>',
  },
  'registry-username': {
    kind: 'string',
    default: '',
    help: 'registry user name (with --registry-password-stdin; else the docker config is used)',
    placeholder: '<name>',
  },
  'registry-password': {
    kind: 'secret',
    default: '',
    help: 'read the registry password or token from standard input',
  },
} as const satisfies Record<string, InputSpec>;

/** `tag`: the images' tag (`TAG`). */
export const tagInput = {
  tag: {
    kind: 'string',
    default: '',
    help: 'image tag (TAG; default: git describe of the checkout, as the Makefile does)',
    placeholder: '<tag>',
  },
} as const satisfies Record<string, InputSpec>;

/** `push`: push the images (`PUSH`). */
export const pushInput = {
  push: {
    kind: 'boolean',
    default: 'true',
    help: 'build without pushing (no pinned references are printed)',
  },
} as const satisfies Record<string, InputSpec>;

/** `make-args`: extra make variables. */
export const makeArgsInput = {
  'make-args': {
    kind: 'words',
    default: '',
    flag: 'make-arg',
    help: 'extra make variable (repeatable)',
    placeholder: '<NAME=value>',
  },
} as const satisfies Record<string, InputSpec>;

/** What every make-driven build step takes: the push target, platforms, push, tag, make-args. */
export const buildTargetInputs = {
  ...pushTargetInputs,
  ...platformsInput,
  ...pushInput,
  ...tagInput,
  ...makeArgsInput,
} as const satisfies Record<string, InputSpec>;

/** `--json`: the CLI prints every output as one JSON object. */
export const jsonInput = {
  json: {
    kind: 'boolean',
    default: 'false',
    only: 'cli',
    help: 'print every output as one JSON object',
  },
} as const satisfies Record<string, InputSpec>;

/** Explicit registry credentials. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * `registry-username` with `registry-password`: both or neither; neither means the docker config
 * (as docker/login-action writes it) is used.
 */
export function pairCredentials(
  username: string | undefined,
  password: string | undefined,
): Credentials | undefined {
  if (Boolean(username) !== Boolean(password)) {
    throw new FieldError(
      ['registry-username', 'registry-password'],
      (n) =>
        `${n('registry-username')} and ${n('registry-password')} go together: give both, or neither to use the docker config`,
    );
  }
  return username && password ? { username, password } : undefined;
}

/** The registry namespace: `username`, else `GITHUB_REPOSITORY_OWNER`, lower-cased. */
export function namespaceOrOwner(
  username: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const value = (username ?? env.GITHUB_REPOSITORY_OWNER ?? '').toLowerCase();
  if (!value) {
    throw new FieldError(
      'username',
      (n) =>
        `${n('username')} is empty and GITHUB_REPOSITORY_OWNER is not set: set ${n('username')}`,
    );
  }
  return value;
}

/** What {@link buildTargetInputs} give a make-driven build step, parsed. */
export interface BuildTarget {
  /** `REGISTRY/USERNAME`: where the step names the images it pushes. */
  readonly namespace: Namespace;
  /** In input order, no duplicates, at least one. */
  readonly platforms: readonly Platform[];
  /** Image tag; default: the checkout's own `git describe` rule. */
  readonly tag?: Tag;
  /** Extra `NAME=value` make variables. */
  readonly makeArgs: readonly string[];
}

/**
 * `registry`, `username` (else the repository owner), `platforms`, `tag` and `make-args` as a
 * build step takes them; a {@link FieldError} naming the first input that does not parse.
 */
export function buildTargetOf(
  v: {
    readonly registry: string;
    readonly username?: string | undefined;
    readonly platforms: readonly string[];
    readonly tag?: string | undefined;
    readonly 'make-args': readonly string[];
  },
  env: Readonly<Record<string, string | undefined>>,
): BuildTarget {
  return {
    namespace: parsePushTarget(v.registry, namespaceOrOwner(v.username, env)),
    platforms: parsePlatformsInput('platforms', v.platforms),
    ...(v.tag ? { tag: parseTagInput('tag', v.tag) } : {}),
    makeArgs: v['make-args'],
  };
}

/** `registry-username`, `registry-password` and `insecure-registries` as the steps take them. */
export function registryAccessOf(values: {
  readonly 'registry-username'?: string | undefined;
  readonly 'registry-password'?: string | undefined;
  readonly 'insecure-registries': readonly string[];
}): { insecureRegistries: readonly string[]; credentials?: Credentials } {
  const credentials = pairCredentials(values['registry-username'], values['registry-password']);
  return {
    insecureRegistries: values['insecure-registries'],
    ...(credentials ? { credentials } : {}),
  };
}

/** `talos-version` and `release-mismatch`: the release a build is for, and what a checkout of another does. */
export const releasePairingInputs = {
  'talos-version': {
    kind: 'string',
    default: '',
    help: 'the Talos release the build is for (e.g. v1.11.5): the checkout is checked against it (talos-kmod refs)',
    placeholder: '<version>',
  },
  'release-mismatch': {
    kind: 'choice',
    choices: ['warn', 'error'],
    default: 'warn',
    help: 'a checkout that does not belong to talos-version: warn or error',
    placeholder: '<level>',
  },
} as const satisfies Record<string, InputSpec>;

/** The step options of {@link releasePairingInputs}. */
export function releasePairingOf(v: { 'talos-version'?: string; 'release-mismatch'?: string }): {
  talosVersion?: string;
  releaseMismatch: 'warn' | 'error';
} {
  return {
    ...(v['talos-version'] ? { talosVersion: v['talos-version'] } : {}),
    releaseMismatch: v['release-mismatch'] === 'error' ? 'error' : 'warn',
  };
}
