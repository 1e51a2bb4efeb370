import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkflow, runWorkflow, StepFailure } from '../support/workflow-runner';

const workflow = `
name: harness
on:
  workflow_call:
    inputs:
      platforms: { type: string, default: '["linux/amd64"]' }
    outputs:
      joined:
        value: \${{ jobs.second.outputs.joined }}
jobs:
  first:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        platform: \${{ fromJSON(inputs.platforms) }}
    outputs:
      greeting: \${{ steps.hello.outputs.greeting }}
    steps:
      - id: login
        uses: docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772 # v3.4.0
        with:
          registry: \${{ vars.REGISTRY }}
      - id: hello
        run: echo "greeting=hello \${{ matrix.platform }} \${{ steps.login.outputs.who }}" >> "$GITHUB_OUTPUT"
  second:
    needs: [first]
    runs-on: ubuntu-latest
    outputs:
      joined: \${{ steps.join.outputs.joined }}
    steps:
      - id: fail
        run: exit 3
        continue-on-error: true
      - id: skipped
        if: \${{ steps.fail.outcome == 'success' }}
        run: echo never
      - id: join
        run: echo "joined=\${{ needs.first.outputs.greeting }}|\${{ steps.fail.outcome }}" >> "$GITHUB_OUTPUT"
`;

describe('workflow harness', () => {
  it('runs steps in needs order with matrix, outputs, conditions and external handlers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-'));
    const file = join(dir, 'harness.yml');
    writeFileSync(file, workflow);
    const seen: Record<string, string>[] = [];
    const run = await runWorkflow(await loadWorkflow(file), {
      workspace: dir,
      inputs: { platforms: '["linux/amd64","linux/arm64"]' },
      vars: { REGISTRY: '127.0.0.1:5000' },
      externalActions: {
        'docker/login-action': (inputs) => {
          seen.push(inputs);
          return { who: 'robot' };
        },
      },
    });
    expect(seen).toEqual([{ registry: '127.0.0.1:5000' }, { registry: '127.0.0.1:5000' }]);
    expect(run.jobs.first?.legs.map((l) => l.matrix)).toEqual([
      { platform: 'linux/amd64' },
      { platform: 'linux/arm64' },
    ]);
    expect(run.jobs.second?.legs[0]?.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['fail', 'failure'],
      ['skipped', 'skipped'],
      ['join', 'success'],
    ]);
    expect(run.outputs.joined).toBe('hello linux/arm64 robot|failure');
  });

  it('runs an include-only matrix leg per entry, records runs-on and fails a step a handler fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-'));
    const file = join(dir, 'include.yml');
    writeFileSync(
      file,
      `on: push
jobs:
  legs:
    runs-on: \${{ matrix.runs-on }}
    timeout-minutes: 5
    strategy:
      matrix:
        include: \${{ fromJSON('[{"arch":"amd64","runs-on":"a"},{"arch":"arm64","runs-on":["b","c"]}]') }}
    steps:
      - uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0
        with:
          name: x-\${{ matrix.arch }}
      - run: echo "temp=$RUNNER_TEMP" >> "$GITHUB_OUTPUT"
`,
    );
    const run = await runWorkflow(await loadWorkflow(file), {
      workspace: dir,
      externalActions: {
        'actions/download-artifact': (w) => {
          if (w.name === 'x-arm64') throw new StepFailure('Artifact not found for name: x-arm64');
          return {};
        },
      },
    });
    const legs = run.jobs.legs?.legs ?? [];
    expect(legs.map((l) => [l.matrix.arch, l.runsOn, l.timeoutMinutes, l.result])).toEqual([
      ['amd64', 'a', 5, 'success'],
      ['arm64', ['b', 'c'], 5, 'failure'],
    ]);
    expect(legs[0]?.steps[1]?.outputs.temp).toBe(legs[0]?.runnerTemp);
    expect(legs[0]?.runnerTemp).not.toBe(legs[1]?.runnerTemp);
    expect(legs[1]?.steps.map((s) => s.outcome)).toEqual(['failure', 'skipped']);
  });

  it('refuses a workflow that does not validate against the workflow schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-'));
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'on: push\njobs:\n  a:\n    runs-on: x\n    stepz: []\n');
    await expect(loadWorkflow(file)).rejects.toThrow(/does not parse as a workflow/);
  });

  it('throws on a third-party action it has no handler for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-'));
    const file = join(dir, 'ext.yml');
    writeFileSync(
      file,
      'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n',
    );
    await expect(runWorkflow(await loadWorkflow(file), { workspace: dir })).rejects.toThrow(
      /no handler for external action 'actions\/checkout@v4'/,
    );
  });
});
