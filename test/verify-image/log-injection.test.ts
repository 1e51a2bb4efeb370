/**
 * Workflow-command injection from an image (issue 14): names inside an image reach the step's
 * log (outputs echoed with `core.info`, failure messages, annotations). The bundled verify-image
 * action runs on an image whose release directory, module file and firmware names carry
 * `##[error]…` (the runner's legacy command form, acted on anywhere in a line) and whose manifest
 * name carries a new line and `::error::…`; the log is read back as the runner reads it
 * (test/support/workflow-commands.ts), from the action and from the CLI in a step. Before the
 * fix, `output kernel-release=6.1.0-1##[error]…` raised an error annotation of the image's
 * choosing. The CLI's log on stderr and its text results on stdout are guarded the same way in a
 * step; its JSON results escape the command text inside strings, so they stay parseable and
 * read back as the same values.
 */
import { describe, expect, it } from '@jest/globals';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { runAction } from '../support/action';
import { manifestYaml, newDir, writeOciLayout } from '../support/images';
import { runCliCaptured } from '../support/cli';
import { workflowCommands } from '../support/workflow-commands';

const release = '6.1.0-1##[error]pwned-release';
const modulePath = `rootfs/usr/lib/modules/${release}/extra/##[error]pwned-file.ko`;

/** An extension whose release directory, module, firmware and manifest names hold commands. */
async function hostileImage(): Promise<string> {
  return writeOciLayout(newDir('log-injection'), [
    {
      layers: [
        [
          {
            path: 'manifest.yaml',
            // a YAML double-quoted scalar: the name holds a real new line and a percent escape
            content: manifestYaml({
              name: '"hostile\\n::error::pwned-name%0A::add-mask::pwned-mask"',
              talos: '>= v1.9.0',
            }),
          },
          { path: 'rootfs/', type: 'directory' },
          { path: modulePath, content: 'not a module\n::error::pwned-content\n' },
          { path: 'rootfs/usr/lib/firmware/##[add-mask]pwned-fw.bin', content: 'x' },
        ],
      ],
    },
  ]);
}

describe('verify-image on an image whose names hold workflow commands', () => {
  it('logs them as text: every command in the log is one the action issued', async () => {
    const dir = await hostileImage();
    const r = await runAction('verify-image', {
      image: `oci:${dir}`,
      'extension-name': 'hostile',
      'report-path': join(newDir('log-injection-report'), 'report.json'),
    });
    expect(r.exitCode).not.toBe(0);
    // the values themselves reach the outputs and the log unchanged
    expect(r.outputs['kernel-release']).toBe(release);
    expect(r.stdout).toContain(`output kernel-release=${release}`);
    expect(r.outputs.modules).toContain('##[error]pwned');

    const commands = workflowCommands(r.stdout);
    // each one starts its line as the action wrote it: none was raised from inside a text
    for (const c of commands)
      expect(c.line).toMatch(/^::(group|endgroup|error|warning|notice|debug)[ :]/);
    expect(commands.filter((c) => /^pwned/.test(c.data))).toEqual([]);
    expect(commands.map((c) => c.name)).not.toContain('add-mask');
    // the failures are still reported, as annotations and as the step's failure
    expect(commands.filter((c) => c.name === 'error').length).toBeGreaterThan(1);
    expect(r.failure).toContain('verify-image failed');
  }, 120_000);

  it('through the CLI in a GitHub Actions step, its log on stderr holds no command either', async () => {
    // the CLI's log names the image it opens: here a directory whose name holds a command
    const dir = join(newDir('log-injection-cli'), 'image ##[error]pwned-dir');
    renameSync(await hostileImage(), dir);
    const inStep = await runCliCaptured(['verify', `oci:${dir}`], {
      env: { GITHUB_ACTIONS: 'true' },
    });
    expect(inStep.code).toBe(1);
    expect(inStep.stderr).toContain('##[error]pwned-dir');
    expect(workflowCommands(inStep.stderr)).toEqual([]);
    // outside a step the text is printed as it is (where it would have run)
    const outside = await runCliCaptured(['verify', `oci:${dir}`], {
      env: { GITHUB_ACTIONS: '' },
    });
    expect(outside.stderr).not.toContain('::stop-commands::');
    expect(workflowCommands(outside.stderr).map((c) => c.data)).toContain('pwned-dir');
  }, 120_000);

  it('through the CLI in a step, its results on stdout hold no command, as text or as JSON', async () => {
    const dir = await hostileImage();
    const nameWithCommand = 'rootfs/usr/lib/firmware/##[add-mask]pwned-fw.bin';
    for (const args of [
      ['verify', `oci:${dir}`],
      ['ls', `oci:${dir}`],
    ]) {
      const text = await runCliCaptured(args, { env: { GITHUB_ACTIONS: 'true' } });
      expect(text.stdout).toContain('##[');
      expect(workflowCommands(text.stdout)).toEqual([]);
      const json = await runCliCaptured([...args, '--json'], { env: { GITHUB_ACTIONS: 'true' } });
      expect(workflowCommands(json.stdout)).toEqual([]);
      expect(json.stdout).not.toContain('::stop-commands::');
      // the escapes are JSON's own: the parsed values are the image's names, unchanged
      expect(JSON.stringify(JSON.parse(json.stdout))).toContain(
        args[0] === 'ls' ? nameWithCommand : release,
      );
    }
    // ls prints the names at the start of its lines: outside a step, exactly as they are
    const outside = await runCliCaptured(['ls', `oci:${dir}`], { env: { GITHUB_ACTIONS: '' } });
    expect(outside.stdout).not.toContain('::stop-commands::');
    expect(outside.stdout).toContain(nameWithCommand);
  }, 120_000);
});
