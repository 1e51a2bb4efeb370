/**
 * Real kernel modules for tests: tiny modules built with kbuild (`make -C <headers> M=<dir>`)
 * against Debian's linux-headers-*-amd64, keys made with openssl like the kernel's certs/Makefile
 * (default subject like Talos's throw-away key), signatures made with the kernel's own
 * scripts/sign-file from linux-kbuild-*, and compression with the xz/zstd/gzip tools using the
 * kernel's options.
 *
 * Builds are cached by a hash of everything that goes into them (sources, options, headers), in a
 * directory shared by all jest workers of a run and later runs, so each distinct module is built
 * once. Keys and signed copies live in a per-process temporary directory.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function findOne(dir: string, pattern: RegExp, what: string): string {
  const hit = existsSync(dir) ? readdirSync(dir).find((n) => pattern.test(n)) : undefined;
  if (!hit) {
    throw new Error(
      `${what} not found in ${dir}; run ./scripts/setup.sh (it installs linux-headers-amd64)`,
    );
  }
  return join(dir, hit);
}

/** The Debian kernel headers tree modules are built against. */
export const headersDir = findOne('/usr/src', /^linux-headers-.*-amd64$/, 'linux-headers-*-amd64');
/** Release of the installed Debian headers, e.g. '6.1.0-56-amd64'. */
export const kernelRelease = basename(headersDir).replace(/^linux-headers-/, '');
/** The kernel's sign-file (from linux-kbuild-*). */
export const signFile = join(
  findOne('/usr/lib', /^linux-kbuild-/, 'linux-kbuild-*'),
  'scripts',
  'sign-file',
);

/** A signing key and its certificate, with the identity modinfo will show for it. */
export interface TestKey {
  name: string;
  /** PEM private key. */
  keyPath: string;
  certPemPath: string;
  certDerPath: string;
  /** The certificate's commonName (what `modinfo -F signer` prints). */
  signer: string;
  /** Serial number in `modinfo -F sig_key` format (from openssl, not from our code). */
  serial: string;
  /** Subject key identifier in the same format (from openssl). */
  subjectKeyId: string;
}

let workDir: string | undefined;
/** A per-process scratch directory (keys, signed copies). */
export function scratchDir(): string {
  workDir ??= mkdtempSync(join(tmpdir(), 'talos-kmod-modules-'));
  return workDir;
}

/**
 * Makes a key and self-signed certificate with openssl the way the kernel's certs/Makefile does
 * (x509.genkey: basicConstraints CA:FALSE, digitalSignature, subjectKeyIdentifier=hash). Default
 * subject: CN 'Build time throw-away kernel key', O 'Sidero Labs, Inc.' (Talos).
 */
export async function makeSigningKey(
  options: {
    name?: string;
    type?: 'rsa2048' | 'rsa4096' | 'ec';
    commonName?: string;
    organization?: string;
  } = {},
): Promise<TestKey> {
  const type = options.type ?? 'rsa2048';
  const name = options.name ?? `${type}-${randomBytes(4).toString('hex')}`;
  const dir = join(scratchDir(), 'keys', name);
  mkdirSync(dir, { recursive: true });
  const signer = options.commonName ?? 'Build time throw-away kernel key';
  const config = join(dir, 'x509.genkey');
  writeFileSync(
    config,
    [
      '[ req ]',
      'distinguished_name = req_distinguished_name',
      'prompt = no',
      'string_mask = utf8only',
      'x509_extensions = myexts',
      '[ req_distinguished_name ]',
      `O = ${options.organization ?? 'Sidero Labs, Inc.'}`,
      `CN = ${signer}`,
      '[ myexts ]',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=digitalSignature',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  const keyPath = join(dir, 'key.pem');
  const certPemPath = join(dir, 'cert.pem');
  const certDerPath = join(dir, 'cert.der');
  const newkey =
    type === 'ec'
      ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1']
      : ['-newkey', type === 'rsa4096' ? 'rsa:4096' : 'rsa:2048'];
  await run('openssl', [
    'req',
    '-new',
    '-nodes',
    '-utf8',
    '-sha512',
    '-days',
    '36500',
    '-batch',
    '-x509',
    '-config',
    config,
    ...newkey,
    '-keyout',
    keyPath,
    '-outform',
    'PEM',
    '-out',
    certPemPath,
  ]);
  await run('openssl', ['x509', '-in', certPemPath, '-outform', 'DER', '-out', certDerPath]);
  const { stdout } = await run('openssl', [
    'x509',
    '-in',
    certPemPath,
    '-noout',
    '-serial',
    '-ext',
    'subjectKeyIdentifier',
  ]);
  const serialHex = /serial=([0-9A-F]+)/i.exec(stdout)?.[1];
  const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/i.exec(stdout)?.[1];
  if (!serialHex || !ski) throw new Error(`unexpected openssl x509 output:\n${stdout}`);
  return {
    name,
    keyPath,
    certPemPath,
    certDerPath,
    signer,
    serial: colonPairs(serialHex.replace(/^(00)+(?=..)/, '')),
    subjectKeyId: ski.toUpperCase(),
  };
}

function colonPairs(hex: string): string {
  const even = hex.length % 2 ? `0${hex}` : hex;
  return (even.toUpperCase().match(/../g) ?? []).join(':');
}

/** What a test module declares. */
export interface TestModuleOptions {
  /** Module name (a C identifier); default 'talos_kmod_test'. */
  name?: string;
  /** MODULE_FIRMWARE entries. */
  firmware?: string[];
  /**
   * Modules this one depends on: each is built alongside and exports `<dep>_value()`, which this
   * module calls, so modpost records a real `depends=`.
   */
  depends?: string[];
  /** MODULE_LICENSE; default 'GPL'. */
  license?: string;
  /** MODULE_VERSION (makes modpost add `srcversion`); default '1.0'. */
  version?: string;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
const builds = new Map<string, Promise<string>>();

/** Path of an unsigned `.ko` built with kbuild; dependencies' `.ko` files sit beside it. */
export function buildTestModule(options: TestModuleOptions = {}): Promise<string> {
  const spec = {
    name: options.name ?? 'talos_kmod_test',
    firmware: options.firmware ?? [],
    depends: options.depends ?? [],
    license: options.license ?? 'GPL',
    version: options.version ?? '1.0',
  };
  for (const n of [spec.name, ...spec.depends]) {
    if (!IDENT.test(n)) throw new Error(`module name ${JSON.stringify(n)} is not a C identifier`);
  }
  const files: Record<string, string> = {
    Makefile: `obj-m := ${[spec.name, ...spec.depends].map((n) => `${n}.o`).join(' ')}\n`,
    [`${spec.name}.c`]: moduleSource(spec.name, spec),
  };
  for (const dep of spec.depends) {
    files[`${dep}.c`] = moduleSource(dep, {
      firmware: [],
      depends: [],
      license: 'GPL',
      version: '1.0',
    });
  }
  const key = createHash('sha256')
    .update(JSON.stringify({ files, headersDir, headers: statSync(headersDir).mtimeMs }))
    .digest('hex')
    .slice(0, 16);
  let build = builds.get(key);
  if (!build) {
    build = kbuild(key, files).then((dir) => join(dir, `${spec.name}.ko`));
    builds.set(key, build);
  }
  return build;
}

function moduleSource(name: string, spec: Required<Omit<TestModuleOptions, 'name'>>): string {
  const c = (s: string) => JSON.stringify(s);
  return [
    '#include <linux/module.h>',
    '#include <linux/init.h>',
    ...spec.depends.map((d) => `extern int ${d}_value(void);`),
    `int ${name}_value(void) { return 42${spec.depends.map((d) => ` + ${d}_value()`).join('')}; }`,
    `EXPORT_SYMBOL(${name}_value);`,
    // Two parameters, one with a description, so modinfo's parm/parmtype merging is exercised.
    'static int level = 1;',
    'module_param(level, int, 0644);',
    'MODULE_PARM_DESC(level, "how much to log (0-3)");',
    'static bool quiet;',
    'module_param(quiet, bool, 0444);',
    `static int __init ${name}_init(void) { return ${name}_value() > 0 && level >= 0 && !quiet ? 0 : -1; }`,
    `static void __exit ${name}_exit(void) {}`,
    `module_init(${name}_init);`,
    `module_exit(${name}_exit);`,
    `MODULE_LICENSE(${c(spec.license)});`,
    `MODULE_DESCRIPTION(${c(`talos-kmod test module ${name}`)});`,
    'MODULE_AUTHOR("talos-kmod tests");',
    `MODULE_VERSION(${c(spec.version)});`,
    ...spec.firmware.map((f) => `MODULE_FIRMWARE(${c(f)});`),
    '',
  ].join('\n');
}

/** Where built modules are cached (shared across workers and runs; keyed by content hash). */
export const moduleCacheDir =
  process.env.TALOS_KMOD_MODULE_CACHE ?? join(tmpdir(), 'talos-kmod-test-modules');

async function kbuild(key: string, files: Record<string, string>): Promise<string> {
  const final = join(moduleCacheDir, key);
  if (existsSync(join(final, '.complete'))) return final;
  mkdirSync(moduleCacheDir, { recursive: true });
  const dir = mkdtempSync(join(moduleCacheDir, `.build-${key}-`));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    try {
      await run('make', ['-C', headersDir, `M=${dir}`, 'modules'], {
        env: { ...process.env, MAKEFLAGS: '' },
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (e: unknown) {
      const out = e as { stdout?: string; stderr?: string };
      throw new Error(
        `kbuild of test module failed in ${dir}:\n${out.stdout ?? ''}${out.stderr ?? ''}`,
      );
    }
    writeFileSync(join(dir, '.complete'), '');
    try {
      renameSync(dir, final);
    } catch {
      // Another worker finished the same build first; use its result.
      rmSync(dir, { recursive: true, force: true });
    }
    return final;
  } catch (e: unknown) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Options for {@link signModule}. */
export interface SignOptions {
  hash?: 'sha256' | 'sha384' | 'sha512';
  /** Identify the key by subject key identifier (`sign-file -k`). */
  useKeyId?: boolean;
  /** Where to write the signed copy (default: a new file in the scratch directory). */
  out?: string;
}

/** Signs a copy of `modulePath` with the kernel's sign-file and returns its path. */
export async function signModule(
  modulePath: string,
  key: TestKey,
  options: SignOptions = {},
): Promise<string> {
  const hash = options.hash ?? 'sha512';
  const out =
    options.out ??
    join(
      mkdtempSync(join(scratchDir(), 'signed-')),
      `${basename(modulePath, '.ko')}.${key.name}.${hash}${options.useKeyId ? '.keyid' : ''}.ko`,
    );
  await run(signFile, [
    ...(options.useKeyId ? ['-k'] : []),
    hash,
    key.keyPath,
    key.certDerPath,
    modulePath,
    out,
  ]);
  return out;
}

/**
 * Signs a copy of `modulePath` with `openssl cms -sign` (which adds signed attributes, unlike
 * sign-file) and appends the signature the way sign-file does. The kernel rejects such signatures
 * ("has authattrs"); tests use them to cover CMS signed attributes.
 */
export async function signModuleWithSignedAttributes(
  modulePath: string,
  key: TestKey,
  options: { hash?: 'sha256' | 'sha384' | 'sha512' } = {},
): Promise<string> {
  const hash = options.hash ?? 'sha256';
  const dir = mkdtempSync(join(scratchDir(), 'cms-'));
  const sigPath = join(dir, 'sig.p7s');
  await run('openssl', [
    'cms',
    '-sign',
    '-binary',
    '-nocerts',
    '-in',
    modulePath,
    '-signer',
    key.certPemPath,
    '-inkey',
    key.keyPath,
    '-md',
    hash,
    '-outform',
    'DER',
    '-out',
    sigPath,
  ]);
  const [module, sig] = await Promise.all([readFile(modulePath), readFile(sigPath)]);
  const info = Buffer.alloc(12);
  info[2] = 2; // PKEY_ID_PKCS7
  info.writeUInt32BE(sig.length, 8);
  const out = join(dir, `${basename(modulePath, '.ko')}.${key.name}.attrs.ko`);
  await writeFile(
    out,
    Buffer.concat([module, sig, info, Buffer.from('~Module signature appended~\n')]),
  );
  return out;
}

/** Compresses a copy of `path` with the CLI tool and the kernel's options; returns its path. */
export async function compressModule(path: string, kind: 'xz' | 'zstd' | 'gzip'): Promise<string> {
  const argv = {
    xz: ['xz', '--check=crc32', '--lzma2=dict=1MiB', '-k', '-f', path],
    zstd: ['zstd', '-q', '-f', '-k', path],
    gzip: ['gzip', '-n', '-f', '-k', path],
  }[kind];
  await run(argv[0] ?? '', argv.slice(1));
  return `${path}.${{ xz: 'xz', zstd: 'zst', gzip: 'gz' }[kind]}`;
}

/** Runs `modinfo -F <field> <file>` and returns its output lines (the oracle). */
export async function modinfoField(file: string, field: string): Promise<string[]> {
  const { stdout } = await run('modinfo', ['-F', field, file]);
  return stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n');
}
