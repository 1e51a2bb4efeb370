/**
 * `talos-kmod new-module` and `check-wiring` through runCli, on copies of checkouts shaped like
 * upstream pkgs and extensions, with the source tarball served over loopback HTTP.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@talos-kmod/cli';
import {
  copyToTemp,
  readTree,
  treeDifferences,
} from '../../packages/talos/test/scaffold/golden-support';
import { freePort } from '../support/ports';
import { captureIo, scaffoldTestdata, startSourceServer, type SourceServer } from './support';

let server: SourceServer;
const temps: string[] = [];

beforeAll(async () => {
  server = await startSourceServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

function checkouts(): { root: string; pkgs: string; extensions: string } {
  const root = copyToTemp(join(scaffoldTestdata, 'main-branch', 'in'), 'nm-cli-');
  temps.push(root);
  return { root, pkgs: join(root, 'pkgs'), extensions: join(root, 'extensions') };
}

function widgetArgs(source: string, extra: string[] = []): string[] {
  return [
    'new-module',
    'widget',
    '--source',
    source,
    '--version',
    '1.2.3',
    '--dep-name',
    'acme/widget',
    '--description',
    'Widget accelerator driver',
    '--author',
    'Acme',
    '--tier',
    'extra',
    ...extra,
  ];
}

const sha = (algo: string, data: Buffer): string =>
  execFileSync(`${algo}sum`, { input: data }).toString().split(' ')[0] ?? '';

describe('talos-kmod new-module', () => {
  it('downloads the tarball, writes both checkouts with its checksums, and a second run changes nothing', async () => {
    const c = checkouts();
    const source = `${server.base}/acme/widget/archive/refs/tags/v{version}.tar.gz`;
    const args = widgetArgs(source, ['--pkgs', 'pkgs', '--extensions', 'extensions']);
    const io = captureIo(c.root);
    expect(await runCli(args, io)).toBe(0);
    const written = io.out().trim().split('\n').sort();
    expect(written).toEqual(
      [
        'pkgs/widget/pkg.yaml',
        'pkgs/Pkgfile',
        'pkgs/Makefile',
        'pkgs/.kres.yaml',
        'extensions/drivers/widget/pkg.yaml',
        'extensions/drivers/widget/vars.yaml',
        'extensions/drivers/widget/manifest.yaml.tmpl',
        'extensions/drivers/widget/README.md',
        'extensions/Pkgfile',
        'extensions/Makefile',
        'extensions/.kres.yaml',
      ]
        .map((p) => join(c.root, p))
        .sort(),
    );
    // sha256sum/sha512sum are the oracle for the checksums written into the Pkgfile.
    const pkgfile = readFileSync(join(c.pkgs, 'Pkgfile'), 'utf8');
    expect(pkgfile).toContain(`  widget_sha256: ${sha('sha256', server.tarball)}\n`);
    expect(pkgfile).toContain(`  widget_sha512: ${sha('sha512', server.tarball)}\n`);
    expect(pkgfile).toContain(
      '  # renovate: datasource=github-tags extractVersion=^v(?<version>.*)$ depName=acme/widget\n',
    );
    expect(server.requests).toContain('/codeload/acme/widget/tar.gz/refs/tags/v1.2.3');

    const before = readTree(c.root);
    const again = captureIo(c.root);
    expect(await runCli(args, again)).toBe(0);
    expect(again.out()).toBe('');
    expect(again.err()).toContain('widget is already wired in: nothing to change');
    expect(readTree(c.root)).toEqual(before);

    const check = captureIo(c.root);
    expect(
      await runCli(
        ['check-wiring', 'widget', '--pkgs', 'pkgs', '--extensions', 'extensions'],
        check,
      ),
    ).toBe(0);
    expect(check.out()).toMatch(/^widget: wired \(\d+ checks passed\)\n$/);
  });

  it('--dry-run prints a unified diff per checkout, writes nothing, and the diff applies to the same result', async () => {
    const c = checkouts();
    const args = [
      ...widgetArgs(`${server.base}/acme/widget/archive/refs/tags/v{version}.tar.gz`),
      '--pkgs',
      c.pkgs,
      '--extensions',
      c.extensions,
    ];
    const dry = captureIo();
    expect(await runCli([...args, '--dry-run'], dry)).toBe(0);
    expect(treeDifferences(join(scaffoldTestdata, 'main-branch', 'in'), c.root)).toEqual([]);
    const out = dry.out();
    const [pkgsPart, extPart] = out.split(`# extensions checkout: ${c.extensions}\n`);
    expect(
      pkgsPart?.startsWith(
        `# pkgs checkout: ${c.pkgs}\ndiff --git a/widget/pkg.yaml b/widget/pkg.yaml\nnew file mode 100644\n`,
      ),
    ).toBe(true);
    expect(extPart).toContain('+++ b/drivers/widget/manifest.yaml.tmpl\n');
    expect(out).toContain('+TARGETS += widget-pkg\n');

    const viaPatch = copyToTemp(join(scaffoldTestdata, 'main-branch', 'in'), 'nm-patch-');
    temps.push(viaPatch);
    execFileSync('git', ['apply', '-'], { cwd: join(viaPatch, 'pkgs'), input: pkgsPart ?? '' });
    execFileSync('git', ['apply', '-'], {
      cwd: join(viaPatch, 'extensions'),
      input: extPart ?? '',
    });
    expect(await runCli(args, captureIo())).toBe(0);
    expect(treeDifferences(c.root, viaPatch)).toEqual([]);
  });

  it('works offline with --sha256 and --sha512: the source URL is never fetched', async () => {
    const c = checkouts();
    const port = await freePort();
    const requestsBefore = server.requests.length;
    const io = captureIo();
    const code = await runCli(
      [
        ...widgetArgs(`http://127.0.0.1:${port}/acme/widget/archive/v{version}.tar.gz`),
        '--sha256',
        'A'.repeat(64),
        '--sha512',
        'b'.repeat(128),
        '--pkgs',
        c.pkgs,
      ],
      io,
    );
    expect(io.err()).not.toContain('downloading');
    expect(code).toBe(0);
    expect(readFileSync(join(c.pkgs, 'Pkgfile'), 'utf8')).toContain(
      `  widget_sha256: ${'a'.repeat(64)}\n`,
    );
    expect(server.requests.length).toBe(requestsBefore);
  });

  it('fails naming the URL when the source is unreachable or missing, and writes nothing', async () => {
    const c = checkouts();
    const port = await freePort();
    const refused = captureIo();
    expect(
      await runCli(
        [...widgetArgs(`http://127.0.0.1:${port}/acme/widget/v{version}.tar.gz`), '--pkgs', c.pkgs],
        refused,
      ),
    ).toBe(2);
    expect(refused.err()).toContain(
      `error: could not download the source tarball http://127.0.0.1:${port}/acme/widget/v1.2.3.tar.gz: ECONNREFUSED`,
    );
    expect(refused.err()).toContain('give --sha256 and --sha512');

    const missing = captureIo();
    expect(
      await runCli(
        [
          ...widgetArgs(`${server.base}/acme/widget/archive/refs/tags/v{version}.zip`),
          '--pkgs',
          c.pkgs,
        ],
        missing,
      ),
    ).toBe(2);
    expect(missing.err()).toContain(
      `error: downloading the source tarball ${server.base}/acme/widget/archive/refs/tags/v1.2.3.zip returned HTTP 404 Not Found`,
    );
    expect(treeDifferences(join(scaffoldTestdata, 'main-branch', 'in'), c.root)).toEqual([]);
  });

  it.each([
    ['Widget', "module name 'Widget' is not a valid package name"],
    ['wid_get', "module name 'wid_get' is not a valid package name"],
    ['widget-pkg', "module name 'widget-pkg' ends with -pkg"],
  ])('refuses the name %j with exit code 2 before any work', async (name, message) => {
    const c = checkouts();
    const io = captureIo();
    const args = widgetArgs(`${server.base}/x/{version}.tar.gz`, ['--pkgs', c.pkgs]);
    args[1] = name;
    expect(await runCli(args, io)).toBe(2);
    expect(io.err()).toContain(`error: ${message}`);
    expect(treeDifferences(join(scaffoldTestdata, 'main-branch', 'in'), c.root)).toEqual([]);
  });

  it('refuses a checkout that is not pkgs or extensions', async () => {
    const c = checkouts();
    const args = widgetArgs('https://github.com/acme/widget', [
      '--sha256',
      'a'.repeat(64),
      '--sha512',
      'b'.repeat(128),
    ]);
    const swapped = captureIo();
    expect(await runCli([...args, '--pkgs', c.extensions], swapped)).toBe(2);
    expect(swapped.err()).toContain('looks like a siderolabs/extensions checkout');
    const plain = captureIo();
    expect(await runCli([...args, '--extensions', join(c.pkgs, 'drbd')], plain)).toBe(2);
    expect(plain.err()).toContain('is not a siderolabs/extensions checkout: it has no Makefile');
    const none = captureIo();
    expect(await runCli(args, none)).toBe(2);
    expect(none.err()).toContain('give --pkgs DIR');
  });

  it('stops without writing when a generated file was edited, and --force overwrites it', async () => {
    const c = checkouts();
    const args = [
      ...widgetArgs('https://github.com/acme/widget', [
        '--sha256',
        'a'.repeat(64),
        '--sha512',
        'b'.repeat(128),
      ]),
      '--pkgs',
      c.pkgs,
      '--extensions',
      c.extensions,
    ];
    expect(await runCli(args, captureIo())).toBe(0);
    const pkgYaml = join(c.pkgs, 'widget/pkg.yaml');
    const generated = readFileSync(pkgYaml, 'utf8');
    writeFileSync(pkgYaml, `${generated}# my edit\n`);
    const bumped = args.map((a) => (a === '1.2.3' ? '1.2.4' : a));
    const before = readTree(c.root);
    const io = captureIo();
    expect(await runCli(bumped, io)).toBe(1);
    expect(io.err()).toContain('new-module stopped without writing anything');
    expect(io.err()).toContain('widget/pkg.yaml exists and differs');
    expect(io.err()).toContain('Pkgfile:');
    expect(readTree(c.root)).toEqual(before);
    expect(await runCli([...bumped, '--force'], captureIo())).toBe(0);
    expect(readFileSync(pkgYaml, 'utf8')).toBe(generated);
    expect(readFileSync(join(c.extensions, 'Pkgfile'), 'utf8')).toContain(
      'WIDGET_VERSION: 1.2.4 #',
    );
  });
});

describe('talos-kmod check-wiring', () => {
  it('accepts upstream twin-version names and skips a hard-coded short ref', async () => {
    const c = checkouts();
    // drbd's extension VERSION is built from DRBD_DRIVER_VERSION, not DRBD_VERSION.
    const drbd = captureIo(c.root);
    expect(
      await runCli(['check-wiring', 'drbd', '--pkgs', 'pkgs', '--extensions', 'extensions'], drbd),
    ).toBe(0);
    expect(drbd.out()).toMatch(/^drbd: wired \(\d+ checks passed\)\n$/);
  });

  it('prints one line per gap naming the file, exits 1, and --json carries the same gaps', async () => {
    const c = checkouts();
    // gasket-driver-pkg is a target with a Pkgfile block, but no pkg.yaml defines it here.
    const io = captureIo(c.root);
    const args = ['check-wiring', 'gasket-driver', '--pkgs', 'pkgs', '--extensions', 'extensions'];
    expect(await runCli(args, io)).toBe(1);
    expect(io.out()).toBe(
      "pkgs/gasket-driver/pkg.yaml: no pkg.yaml has 'name: gasket-driver-pkg': create gasket-driver/pkg.yaml for it (talos-kmod new-module writes one)\n" +
        'gasket-driver: 1 gap(s)\n',
    );
    expect(io.err()).toContain('skipped: extensions: VERSION is "5815ee3-{{ .BUILD_ARG_TAG }}"');
    // each gap once: on stdout, not again as a logged error on stderr
    expect(io.err()).not.toContain("no pkg.yaml has 'name: gasket-driver-pkg'");
    const json = captureIo(c.root);
    expect(await runCli([...args, '--json'], json)).toBe(1);
    const report = JSON.parse(json.out()) as { ok: boolean; gaps: { id: string; file: string }[] };
    expect(report.ok).toBe(false);
    expect(report.gaps).toEqual([
      expect.objectContaining({ id: 'pkgs.package', repo: 'pkgs', file: 'gasket-driver/pkg.yaml' }),
    ]);
  });

  it('warns about the inherited Sidero CI workflow naming the file and what to do, without failing', async () => {
    const c = checkouts();
    mkdirSync(join(c.pkgs, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      join(c.pkgs, '.github', 'workflows', 'ci.yaml'),
      'jobs:\n  default:\n    runs-on:\n      group: pkgs\n    steps:\n      - run: make\n',
    );
    const io = captureIo(c.root);
    expect(
      await runCli(['check-wiring', 'drbd', '--pkgs', 'pkgs', '--extensions', 'extensions'], io),
    ).toBe(0);
    expect(io.err()).toContain(
      "pkgs/.github/workflows/ci.yaml:4: job 'default' needs runner group 'pkgs', which only Sidero's own CI has",
    );
    expect(io.err()).toContain('disable the workflow');
  });

  it('exits 2 for a directory of the wrong kind or a bad name', async () => {
    const c = checkouts();
    const wrong = captureIo();
    expect(await runCli(['check-wiring', 'drbd', '--pkgs', c.extensions], wrong)).toBe(2);
    expect(wrong.err()).toContain('looks like a siderolabs/extensions checkout');
    const bad = captureIo();
    expect(await runCli(['check-wiring', 'DRBD', '--pkgs', c.pkgs], bad)).toBe(2);
  });
});
