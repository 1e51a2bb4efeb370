/**
 * The exit-code rule, per command, through the real CLI program: 0 success, 1 the work ran and
 * failed (a check, gaps, a module that is not one), 2 the command could not start on what it was
 * given (usage, an invalid reference, a missing path, a registry that refuses connections). No
 * registry runs here: 127.0.0.1:1 refuses every connection.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../support/cli';
import { repoRoot } from '../support/action';
import { writeDockerArchive } from '../support/images';
import { makeBzImage, makeCertificate } from '../support/kernel-images';

const refused = '127.0.0.1:1';
const unwired = join(repoRoot, 'packages/talos/test/scaffold/testdata/main-branch/in');
let work: string;
let missing: string;
let text: string;
let emptyDir: string;
let amd64Archive: string;
let vmlinuz: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'exit-codes-'));
  missing = join(work, 'no-such-thing');
  text = join(work, 'notes.txt');
  writeFileSync(text, 'not an image, not a module\n'.repeat(300));
  emptyDir = mkdtempSync(join(work, 'empty-'));
  vmlinuz = join(work, 'vmlinuz');
  writeFileSync(
    vmlinuz,
    makeBzImage({ release: '6.18.45-talos', certificates: [makeCertificate().der] }, 'lz4'),
  );
  amd64Archive = await writeDockerArchive(join(work, 'amd64.tar'), {
    platform: { os: 'linux', architecture: 'amd64' },
    layers: [[{ path: 'etc/hello', content: 'hello\n' }]],
  });
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

type Case = [what: string, argv: () => string[], code: 0 | 1 | 2, stderr: RegExp];

const owner = ['--registry', refused, '--username', 'me'];
const cases: Record<string, Case[]> = {
  pipeline: [
    ['an unknown flag', () => ['pipeline', '--bogus'], 2, /unknown option '--bogus'/],
    [
      'missing required options, all named at once',
      () => ['pipeline', '--package', 'a-pkg'],
      2,
      /pipeline needs --pkgs, --extensions, --extension/,
    ],
    [
      'a pkgs checkout that does not exist',
      () => [
        'pipeline',
        ...['--pkgs', missing, '--extensions', missing, '--talos', missing],
        ...['--package', 'a-pkg', '--extension', 'a', ...owner],
      ],
      2,
      /pkgs directory '.*no-such-thing' does not exist/,
    ],
    [
      'a bad module name, named by its flag before any build',
      () => [
        'pipeline',
        ...['--pkgs', missing, '--extensions', missing, '--talos', missing],
        ...['--package', 'a-pkg', '--extension', 'a', '--module', 'hailo pci', ...owner],
      ],
      2,
      /^error: --module has 'hailo pci', not a module name/,
    ],
    [
      'a bad platform, named by its flag',
      () => [
        'pipeline',
        ...['--pkgs', missing, '--extensions', missing, '--talos', missing],
        ...['--package', 'a-pkg', '--extension', 'a', '--platform', 'amd64', ...owner],
      ],
      2,
      /error: --platform has 'amd64', which is not os\/arch/,
    ],
  ],
  'build-kernel-pkg': [
    ['an unknown flag', () => ['build-kernel-pkg', '--bogus'], 2, /unknown option/],
    [
      'a pkgs checkout that does not exist',
      () => ['build-kernel-pkg', '--pkgs-dir', missing, ...owner],
      2,
      /pkgs directory '.*' does not exist/,
    ],
  ],
  'build-extension': [
    ['an unknown flag', () => ['build-extension', '--bogus'], 2, /unknown option/],
    [
      'an extensions checkout that does not exist',
      () => [
        'build-extension',
        ...['--extensions-dir', missing, '--extension', 'a'],
        ...['--pkgs-prefix', `${refused}/me`, '--pkgs-tag', 'v1', ...owner],
      ],
      2,
      /extensions directory '.*' does not exist/,
    ],
  ],
  'build-installer': [
    ['an unknown flag', () => ['build-installer', '--bogus'], 2, /unknown option/],
    [
      'a talos checkout that does not exist',
      () => [
        'build-installer',
        ...[
          '--talos-dir',
          missing,
          '--kernel-image',
          `${refused}/me/kernel:v1@sha256:${'0'.repeat(64)}`,
        ],
        ...owner,
      ],
      2,
      /has no Makefile/,
    ],
  ],
  push: [
    ['a missing argument', () => ['push', 'docker-archive:x'], 2, /missing required argument/],
    [
      'a path that does not exist',
      () => ['push', missing, `${refused}/me/x:v1`],
      2,
      /looks like a path, but .* does not exist/,
    ],
    [
      'a file that is no image archive',
      () => ['push', text, `${refused}/me/x:v1`],
      2,
      /not a valid tar archive \(.*at byte 0\)/,
    ],
    [
      'a registry that refuses connections',
      () => ['push', `${refused}/me/a:v1`, `${refused}/me/b:v1`],
      2,
      /nothing accepts connections at 127\.0\.0\.1:1/,
    ],
    [
      'a bare name that is no file (not sent to Docker Hub)',
      () => ['push', 'no-such-tarball', `${refused}/me/x:v1`],
      2,
      /'no-such-tarball' is no file or directory in .*docker\.io\/library\/no-such-tarball/,
    ],
    [
      'a platform a single-platform archive does not hold',
      () => ['push', amd64Archive, `${refused}/me/x:v1`, '--platform', 'linux/arm64'],
      2,
      /is a single linux\/amd64 image, not linux\/arm64: pick another image or drop the platform/,
    ],
  ],
  inspect: [
    [
      'a bare name that is no file (not sent to Docker Hub)',
      () => ['inspect', 'no-such-image'],
      2,
      /'no-such-image' is no file or directory in .*docker\.io\/library\/no-such-image/,
    ],
    [
      'a platform a single-platform archive does not hold',
      () => ['inspect', amd64Archive, '--platform', 'linux/arm64'],
      2,
      /is a single linux\/amd64 image, not linux\/arm64: pick another image or drop the platform/,
    ],
    ['an invalid reference', () => ['inspect', 'Acme/X:v1'], 2, /invalid image reference/],
    [
      'a registry that refuses connections',
      () => ['inspect', `${refused}/me/a:v1`],
      2,
      /nothing accepts connections/,
    ],
  ],
  ls: [
    [
      'a bad platform',
      () => ['ls', `${refused}/me/a:v1`, '--platform', 'linux'],
      2,
      /invalid platform/,
    ],
    ['a path that does not exist', () => ['ls', missing], 2, /does not exist: check the path/],
    [
      'a dir: that is no directory',
      () => ['ls', `dir:${text}`],
      2,
      /is not a directory; give an unpacked extension or rootfs directory/,
    ],
    [
      'an oci: directory that is no layout',
      () => ['ls', `oci:${emptyDir}`],
      2,
      /is not an OCI image layout \(no index\.json\)/,
    ],
    [
      'a bare name that is no file (not sent to Docker Hub)',
      () => ['ls', 'no-such-image'],
      2,
      /'no-such-image' is no file or directory in .*docker\.io\/library\/no-such-image/,
    ],
  ],
  modinfo: [
    ['no file', () => ['modinfo'], 2, /missing required argument/],
    ['a file that does not exist', () => ['modinfo', missing], 2, /ENOENT/],
    ['a file that is not a module', () => ['modinfo', text], 1, /could not be read/],
  ],
  'new-module': [
    [
      'missing required options, all named at once',
      () => ['new-module', 'widget'],
      2,
      /needs --source, --version, --description, --author/,
    ],
    [
      'a pkgs checkout that does not exist',
      () => [
        'new-module',
        'widget',
        ...['--source', 'https://github.com/acme/widget', '--version', '1.0.0'],
        ...['--description', 'd', '--author', 'a', '--pkgs', missing],
        ...['--sha256', 'a'.repeat(64), '--sha512', 'b'.repeat(128)],
      ],
      2,
      /pkgs directory '.*' does not exist/,
    ],
  ],
  'check-wiring': [
    ['a bad module name', () => ['check-wiring', 'Bad_Name', '--pkgs', unwired], 2, /not a valid/],
    [
      'a pkgs path that is a file',
      () => ['check-wiring', 'widget', '--pkgs', text],
      2,
      /pkgs directory '.*notes\.txt' is not a directory: give the directory of your pkgs checkout/,
    ],
    [
      'a checkout that does not exist',
      () => ['check-wiring', 'widget', '--pkgs', missing],
      2,
      /does not exist/,
    ],
    [
      'a module with wiring gaps',
      () => [
        'check-wiring',
        'fpga-accel',
        ...['--pkgs', join(unwired, 'pkgs'), '--extensions', join(unwired, 'extensions')],
      ],
      1,
      /./, // the gaps are on stdout (new-module/cli.test.ts: not repeated on stderr)
    ],
  ],
  'kernel-cert': [
    [
      'a bad platform',
      () => ['kernel-cert', `${refused}/me/k:v1`, '--platform', 'x'],
      2,
      /platform/,
    ],
    [
      'a path that does not exist',
      () => ['kernel-cert', missing],
      2,
      /looks like a path, but .* does not exist/,
    ],
    [
      'a registry that refuses connections',
      () => ['kernel-cert', `${refused}/me/kernel:v1`],
      2,
      /nothing accepts connections/,
    ],
    ['a file that is no kernel', () => ['kernel-cert', text], 2, /not a kernel image/],
    [
      'a directory that holds no kernel, named with the paths looked at',
      () => ['kernel-cert', emptyDir],
      2,
      /empty-\w+ holds no kernel \(no \/boot\/vmlinuz, no usr\/install\/<arch>\/vmlinuz\[\.efi\]\)/,
    ],
    [
      'an image that holds no kernel',
      () => ['kernel-cert', `docker-archive:${amd64Archive}`],
      2,
      /amd64\.tar.* holds no kernel/,
    ],
    [
      '--platform of another architecture than the kernel file',
      () => ['kernel-cert', vmlinuz, '--platform', 'linux/arm64'],
      2,
      /--platform linux\/arm64 does not match .*vmlinuz: it is a linux\/amd64 kernel file \(bzImage\); .*drop it, or pass the linux\/arm64 kernel/,
    ],
    [
      '--platform of the kernel file (checked, and it matches)',
      () => ['kernel-cert', vmlinuz, '--platform', 'linux/amd64'],
      0,
      /^$/,
    ],
    [
      'a bare name that is no file (not sent to Docker Hub)',
      () => ['kernel-cert', 'vmlinuz-no-such'],
      2,
      /'vmlinuz-no-such' is no file or directory in .*docker\.io\/library\/vmlinuz-no-such/,
    ],
    [
      '--json with --pem',
      () => ['kernel-cert', text, '--json', '--pem'],
      2,
      /--json and --pem do not go together/,
    ],
  ],
  index: [
    ['no destination', () => ['index', 'create'], 2, /missing required argument 'dest'/],
    [
      'a local archive as a source, before any registry is asked',
      () => ['index', 'create', `${refused}/me/k:v1`, amd64Archive],
      2,
      /source '.*amd64\.tar' is .*not an image in a registry: .*push it first \('talos-kmod push /,
    ],
    [
      'an invalid reference, before any work',
      () => ['index', 'create', `${refused}/me/k:v1`, 'bad ref!'],
      2,
      /invalid image reference 'bad ref!'/,
    ],
    [
      'a bad platform',
      () => ['index', 'create', `${refused}/me/k:v1`, `${refused}/me/k:a`, '--platform', 'x'],
      2,
      /invalid platform 'x'/,
    ],
    [
      'a registry that refuses connections',
      () => ['index', 'create', `${refused}/me/k:v1`, `${refused}/me/k:amd64`],
      2,
      /nothing accepts connections/,
    ],
  ],
  refs: [
    ['no version', () => ['refs'], 2, /missing required argument 'talos-version'/],
    ['a version that is none', () => ['refs', 'v1'], 2, /not a Talos release/],
    [
      'a talos git URL that cannot be reached',
      () => ['refs', 'v1.11.5', '--talos-repo', `http://${refused}/siderolabs/talos.git`],
      2,
      /could not read http:\/\/127\.0\.0\.1:1\/siderolabs\/talos\.git with git: check the URL and the network/,
    ],
    [
      'a talos source that does not exist',
      () => ['refs', 'v1.11.5', '--talos-repo', missing],
      2,
      /neither a directory nor a git URL/,
    ],
    [
      'a directory that is not a git repository',
      () => ['refs', 'v1.11.5', '--talos-repo', emptyDir],
      2,
      /is a directory but not a git repository/,
    ],
  ],
  verify: [
    ['a bad --fail-on', () => ['verify', emptyDir, '--fail-on', 'never'], 2, /--fail-on/],
    [
      'a path that does not exist',
      () => ['verify', missing],
      2,
      /looks like a path, but .* does not exist/,
    ],
    [
      'a registry that refuses connections',
      () => ['verify', `${refused}/me/ext:v1`],
      2,
      /nothing accepts connections/,
    ],
    ['a directory that fails the checks', () => ['verify', emptyDir], 1, /./],
    [
      'a registry timeout of 0',
      () => ['verify', emptyDir, '--registry-timeout', '0'],
      2,
      /--registry-timeout is '0': give a number of seconds above 0 and at most 3600/,
    ],
    [
      'a bare name that is no file (not sent to Docker Hub)',
      () => ['verify', 'no-such-extension'],
      2,
      /'no-such-extension' is no file or directory in .*docker\.io\/library\/no-such-extension/,
    ],
  ],
};

describe('exit codes: one rule for every command', () => {
  it('covers every command the CLI has', async () => {
    const help = await runCliCaptured(['--help']);
    const listed = [...help.stdout.matchAll(/^ {2}([a-z-]+)(?: |$)/gm)]
      .map((m) => m[1])
      .filter((c) => c !== 'help');
    expect(Object.keys(cases).sort()).toEqual([...listed].sort());
  });

  for (const [command, list] of Object.entries(cases)) {
    describe(command, () => {
      it.each(list.map((c) => [`${c[0]} exits ${c[2]}`, ...c.slice(1)] as Case))(
        '%s',
        async (_what, argv, code, stderr) => {
          const r = await runCliCaptured(argv(), { cwd: work });
          const shown = stderr.source === '.' ? r.stdout + r.stderr : r.stderr;
          expect({ code: r.code, matches: stderr.test(shown), stderr: r.stderr }).toEqual({
            code,
            matches: true,
            stderr: r.stderr,
          });
        },
      );
    });
  }

  it('reads --registry-password-stdin from the standard input it is given, never from the test runner', async () => {
    const argv = ['ls', `${refused}/me/x:v1`, '--registry-username', 'me'];
    const given = await runCliCaptured([...argv, '--registry-password-stdin'], {
      stdin: 'a-password\n',
    });
    expect({ code: given.code, stderr: given.stderr }).toEqual({
      code: 2,
      stderr: expect.stringMatching(/nothing accepts connections/),
    });
    // no standard input given: an empty one (the runner's own stdin may be a terminal or a pipe
    // that never ends, and reading it would hang the test and keep jest from exiting)
    const none = await runCliCaptured([...argv, '--registry-password-stdin']);
    expect({ code: none.code, stderr: none.stderr }).toEqual({
      code: 2,
      stderr: expect.stringMatching(/--registry-password-stdin read an empty password/),
    });
  });

  it('--version prints the package version and exits 0', async () => {
    const r = await runCliCaptured(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?\n$/);
  });
});
