/**
 * Options of the verify-image step and their up-front validation: a bad value fails here, naming
 * the input, before any image is opened.
 */
import { FieldError, describeError } from '@talos-kmod/common';
import {
  parseImageSpec,
  parsePlatform,
  type ImageSpec,
  type Platform,
  type Reference,
} from '@talos-kmod/oci';
import { normalizeModuleName, parseTolerantVersion, type TalosVersion } from '@talos-kmod/talos';

/** What to verify and against what. */
export interface VerifyImageOptions {
  /**
   * A registry reference, `docker-archive:PATH`, `oci-archive:PATH`, `oci:DIR`, `dir:PATH` or a
   * directory, as the user wrote it; or a reference an earlier step parsed (not parsed again).
   */
  image: string | Reference;
  /** The kernel image the modules must match (its /boot/vmlinuz certificate, release, keys). */
  kernelImage?: string | Reference;
  /**
   * A file holding the certificates the node's kernel trusts: PEM or DER certificate(s), or the
   * kernel file itself (vmlinuz, UKI). Every module signature is verified against them.
   */
  kernelCert?: string;
  /** The kernel release the modules must match, when there is no kernel image. */
  kernelRelease?: string;
  /** Module names that must be present. */
  modules?: readonly string[];
  /**
   * Installers only: the system extensions the installer must carry, as names (`hailort`) or as
   * the extension images it was built from (their manifest.yaml names them), as text or parsed.
   */
  extensions?: readonly (string | Reference)[];
  /** The name the extension's manifest must carry. */
  extensionName?: string;
  /** The Talos version the image is meant for (constraints, module and firmware paths). */
  talosVersion?: string;
  /** Verify only this platform of an index (default: every platform). */
  platform?: string;
  /** `error` (default): only errors fail; `warning`: warnings fail too. */
  failOn?: 'error' | 'warning';
  /** Where to write the JSON report. */
  reportPath?: string;
}

/** A value of `extensions`: an extension name, or the image it was built from. */
export interface ExpectedExtensionInput {
  /** The value as given. */
  readonly input: string;
  /** The image, when the value is not a plain name. */
  readonly image?: ImageSpec;
}

/** The options after validation. */
export interface ValidatedVerifyOptions {
  /** The image as given (the report names it so). */
  readonly image: string;
  readonly imageSpec: ImageSpec;
  readonly kernelImage?: string;
  readonly kernelImageSpec?: ImageSpec;
  readonly kernelCert?: string;
  readonly kernelRelease?: string;
  /** Normalized (`-` → `_`), without duplicates. */
  readonly modules: readonly string[];
  /** Extension names or images, trimmed, without duplicates. */
  readonly extensions: readonly ExpectedExtensionInput[];
  readonly extensionName?: string;
  readonly talosVersion?: TalosVersion;
  readonly talosVersionText?: string;
  readonly platform?: Platform;
  readonly failOn: 'error' | 'warning';
  readonly reportPath?: string;
}

const kernelReleasePattern = /^[0-9]+\.[0-9]+(\.[0-9]+)?[A-Za-z0-9._+~-]*$/;
const moduleNamePattern = /^[A-Za-z0-9_-]+$/;

const plainExtensionName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function trimmed(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t ? t : undefined;
}

/** A reference an earlier step parsed, as the image spec of its registry image. */
function registryImage(reference: Reference): { text: string; spec: ImageSpec } {
  return { text: reference.toString(), spec: { transport: 'registry', reference } };
}

/** An image input as text (parsed here) or as a parsed reference; undefined when empty. */
function imageOption(
  input: string,
  value: string | Reference | undefined,
): { text: string; spec: ImageSpec } | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return registryImage(value);
  const text = value.trim();
  return text ? { text, spec: imageInput(input, text) } : undefined;
}

/** Parses an image input up front, so a bad one fails before any work, naming the input. */
function imageInput(input: string, value: string): ImageSpec {
  try {
    return parseImageSpec(value);
  } catch (e: unknown) {
    throw new FieldError(
      input,
      (n) =>
        input === 'extensions'
          ? `${n(input)} has '${value}', which is neither an extension name nor an image (${describeError(e)}): give names such as hailort, or extension image references`
          : `${n(input)}: ${describeError(e)}`,
      { cause: e },
    );
  }
}

/**
 * Module names as the report uses them (`.ko`, `.ko.xz`… dropped, `-` as `_`, each once); a name
 * that cannot be a module fails as the `modules` field.
 */
export function validateModuleNames(names: readonly string[]): string[] {
  const modules: string[] = [];
  for (const raw of names) {
    const m = raw.trim().replace(/\.ko(\.(xz|zst|gz))?$/, '');
    if (!m) continue;
    if (!moduleNamePattern.test(m)) {
      throw new FieldError(
        'modules',
        (n) =>
          `${n('modules')} has '${raw}', not a module name: give names such as hailo_pci, one per line`,
      );
    }
    const n = normalizeModuleName(m);
    if (!modules.includes(n)) modules.push(n);
  }
  return modules;
}

/**
 * Validates `options`; throws a {@link FieldError} naming the first bad input (each front end
 * words it: the action as `input 'x'`, the CLI as its flag or argument).
 */
export function validateVerifyOptions(options: VerifyImageOptions): ValidatedVerifyOptions {
  const given = imageOption('image', options.image);
  if (!given) {
    throw new FieldError(
      'image',
      (n) =>
        `${n('image')} is empty: give a registry reference, docker-archive:PATH, oci-archive:PATH, oci:DIR or a directory`,
    );
  }
  const { text: image, spec: imageSpec } = given;
  const kernelRelease = trimmed(options.kernelRelease);
  if (kernelRelease && !kernelReleasePattern.test(kernelRelease)) {
    throw new FieldError(
      'kernel-release',
      (n) =>
        `${n('kernel-release')} is '${kernelRelease}', not a kernel release: give what 'uname -r' prints on the node, e.g. 6.12.31-talos`,
    );
  }
  const modules = validateModuleNames(options.modules ?? []);
  const extensions: ExpectedExtensionInput[] = [];
  for (const raw of options.extensions ?? []) {
    if (typeof raw !== 'string') {
      const { text, spec } = registryImage(raw);
      if (!extensions.some((x) => x.input === text)) extensions.push({ input: text, image: spec });
      continue;
    }
    const e = raw.trim();
    if (!e || extensions.some((x) => x.input === e)) continue;
    const name = plainExtensionName.test(e) && !e.includes(':');
    extensions.push(name ? { input: e } : { input: e, image: imageInput('extensions', e) });
  }
  const talosText = trimmed(options.talosVersion);
  let talosVersion: TalosVersion | undefined;
  if (talosText) {
    const parsed = parseTolerantVersion(talosText);
    if (!parsed.ok) {
      throw new FieldError(
        'talos-version',
        (n) =>
          `${n('talos-version')} is '${talosText}', not a version: give the Talos release such as v1.11.2 (${parsed.error})`,
      );
    }
    talosVersion = parsed.version;
  }
  let platform: Platform | undefined;
  const platformText = trimmed(options.platform);
  if (platformText) {
    try {
      platform = parsePlatform(platformText);
    } catch (e: unknown) {
      throw new FieldError(
        'platform',
        (n) =>
          `${n('platform')} is '${platformText}': give os/arch such as linux/amd64 (${describeError(e)})`,
        { cause: e },
      );
    }
  }
  const failOn = options.failOn ?? 'error';
  if (failOn !== 'error' && failOn !== 'warning') {
    throw new FieldError(
      'fail-on',
      (n) => `${n('fail-on')} is '${String(failOn)}': use error or warning`,
    );
  }
  const kernel = imageOption('kernel-image', options.kernelImage);
  const kernelCert = trimmed(options.kernelCert);
  const extensionName = trimmed(options.extensionName);
  const reportPath = trimmed(options.reportPath);
  return {
    image,
    imageSpec,
    modules,
    extensions,
    failOn,
    ...(kernel ? { kernelImage: kernel.text, kernelImageSpec: kernel.spec } : {}),
    ...(kernelCert ? { kernelCert } : {}),
    ...(kernelRelease ? { kernelRelease } : {}),
    ...(extensionName ? { extensionName } : {}),
    ...(talosVersion ? { talosVersion, talosVersionText: talosText } : {}),
    ...(platform ? { platform } : {}),
    ...(reportPath ? { reportPath } : {}),
  };
}
