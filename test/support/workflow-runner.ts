/**
 * A small harness that runs a workflow file the way the runner would, for the example-pipeline
 * end-to-end test: GitHub's own `@actions/workflow-parser` parses and validates the file,
 * `@actions/expressions` evaluates `${{ … }}`, and every `uses: ./actions/<name>` (or
 * `<owner>/<repo>/actions/<name>@<ref>`) step runs that action's bundled `dist/index.cjs` through
 * {@link runAction}; `uses: ./<dir>/actions/<name>` runs the copy a checkout step put in
 * `<workspace>/<dir>` (how our reusable workflows run our actions at the ref they were called at). It runs steps; it is not a workflow engine: no containers, no services, no
 * concurrency. Steps using third-party actions need a handler from the caller; a step without one
 * throws (stubs throw on calls they don't expect).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  isBasicExpression,
  isMapping,
  isSequence,
  isLiteral,
  parseWorkflow,
  type WorkflowTemplate,
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import { parse as parseYaml } from 'yaml';
import { parseFileCommands, runAction, type ActionRun } from './action';
import {
  coerceToString,
  evaluateExpression,
  type Contexts,
  type JsonValue,
  type StatusState,
} from './expressions';

/** A parsed workflow: the converted model, the raw token tree (for `with:`) and the plain YAML. */
export interface LoadedWorkflow {
  file: string;
  template: WorkflowTemplate;
  root: TemplateToken;
  yaml: Record<string, unknown>;
}

/** Parses and validates a workflow file; throws listing the parser's errors. */
export async function loadWorkflow(file: string): Promise<LoadedWorkflow> {
  const content = readFileSync(file, 'utf8');
  const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !result.value) {
    throw new Error(`${file} does not parse as a workflow:\n  ${errors.join('\n  ')}`);
  }
  const template = await convertWorkflowTemplate(result.context, result.value);
  if (template.errors?.length) {
    throw new Error(`${file}: ${template.errors.map((e) => e.Message).join('; ')}`);
  }
  return {
    file,
    template,
    root: result.value,
    yaml: parseYaml(content) as Record<string, unknown>,
  };
}

function mappingGet(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  if (!token || !isMapping(token)) return undefined;
  for (let i = 0; i < token.count; i++) {
    const pair = token.get(i);
    if (isLiteral(pair.key) && pair.key.toString() === key) return pair.value;
  }
  return undefined;
}

/** Evaluates a template token (literal, expression, mapping or sequence) to JSON values. */
export function evaluateToken(
  token: TemplateToken | undefined,
  contexts: Contexts,
  status?: StatusState,
): JsonValue {
  if (!token) return null;
  if (isBasicExpression(token)) return evaluateExpression(token.expression, contexts, status);
  if (isMapping(token)) {
    const out: Record<string, JsonValue> = {};
    for (let i = 0; i < token.count; i++) {
      const pair = token.get(i);
      out[pair.key.toString()] = evaluateToken(pair.value, contexts, status);
    }
    return out;
  }
  if (isSequence(token)) {
    const out: JsonValue[] = [];
    for (let i = 0; i < token.count; i++) out.push(evaluateToken(token.get(i), contexts, status));
    return out;
  }
  if (isLiteral(token)) {
    const json = token.toJSON() as unknown;
    if (typeof json === 'object' && json !== null && 'lit' in json) return json.lit as JsonValue;
    return (json ?? null) as JsonValue;
  }
  return token.toString();
}

function evaluateMappingToStrings(
  token: MappingToken | TemplateToken | undefined,
  contexts: Contexts,
): Record<string, string> {
  const value = evaluateToken(token, contexts);
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a mapping');
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerceToString(v)]));
}

/**
 * Thrown by an {@link ExternalActionHandler} to fail its step the way the real action would (an
 * artifact that does not exist, a checkout that fails); any other error aborts the run.
 */
export class StepFailure extends Error {}

/** Handles a step that uses an action other than ours (checkout, setup-buildx, login…). */
export type ExternalActionHandler = (
  withInputs: Record<string, string>,
  contexts: Contexts,
) => Promise<Record<string, string>> | Record<string, string>;

/** What a workflow run needs from the test. */
export interface RunWorkflowOptions {
  /** `inputs` context (workflow_call / workflow_dispatch inputs). */
  inputs?: Record<string, JsonValue>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** `github` context fields (repository, repository_owner, sha, event_name…). */
  github?: Record<string, JsonValue>;
  /** Environment for every step (PATH, DOCKER_CONFIG…); merged under workflow/job/step env. */
  env?: Record<string, string>;
  /** Working directory for steps (GITHUB_WORKSPACE). */
  workspace: string;
  /** Handlers keyed by action name without ref, e.g. `actions/checkout`. */
  externalActions?: Record<string, ExternalActionHandler>;
  /** `job` context fields (workflow_repository, workflow_sha of the called workflow). */
  job?: Record<string, JsonValue>;
  /** Only these jobs (and what they need) run; default all. */
  jobs?: readonly string[];
  /** Called after each step with what it produced. */
  onStep?: (job: string, step: string, run: StepRecord) => void;
}

/** One executed step. */
export interface StepRecord {
  id: string;
  kind: 'action' | 'external' | 'run' | 'skipped';
  uses?: string;
  inputs?: Record<string, string>;
  outputs: Record<string, string>;
  outcome: 'success' | 'failure' | 'skipped';
  action?: ActionRun;
}

/** One matrix leg of a job: where it would run, and what it did. */
export interface LegRecord {
  matrix: Record<string, JsonValue>;
  /** The evaluated `runs-on` (a label, a list of labels, or a group object). */
  runsOn: JsonValue;
  /** The evaluated `timeout-minutes`, when set. */
  timeoutMinutes?: JsonValue;
  /** This leg's RUNNER_TEMP (each leg is a fresh runner). */
  runnerTemp: string;
  steps: StepRecord[];
  result: string;
}

/** The result of a job (one leg per matrix combination). */
export interface JobRecord {
  id: string;
  result: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
  legs: LegRecord[];
}

/** The result of a whole run: jobs, and the workflow_call outputs. */
export interface WorkflowRun {
  jobs: Record<string, JobRecord>;
  outputs: Record<string, string>;
}

const ourAction = /^(?:\.\/actions\/|[^/]+\/[^/]+\/actions\/)([a-z0-9-]+)(?:@.+)?$/;
/** `./<dir>/actions/<name>`: an action from a checkout inside the workspace. */
const checkedOutAction = /^\.\/((?:[^/]+\/)*?[^/]+)\/actions\/([a-z0-9-]+)$/;

function matrixLegs(
  strategy: TemplateToken | undefined,
  contexts: Contexts,
): Record<string, JsonValue>[] {
  const matrixToken = mappingGet(strategy, 'matrix');
  if (!matrixToken) return [{}];
  const matrix = evaluateToken(matrixToken, contexts);
  if (typeof matrix !== 'object' || matrix === null || Array.isArray(matrix)) {
    throw new Error('strategy.matrix must be a mapping');
  }
  const { include, exclude, ...axes } = matrix as Record<string, JsonValue>;
  // a matrix of only `include` entries has exactly those legs
  let legs: Record<string, JsonValue>[] =
    Object.keys(axes).length === 0 && Array.isArray(include) ? [] : [{}];
  for (const [axis, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) throw new Error(`matrix axis ${axis} must be a list`);
    legs = legs.flatMap((leg) => values.map((v) => ({ ...leg, [axis]: v })));
  }
  if (Array.isArray(exclude)) {
    legs = legs.filter(
      (leg) =>
        !exclude.some(
          (ex) =>
            typeof ex === 'object' &&
            ex !== null &&
            Object.entries(ex).every(([k, v]) => JSON.stringify(leg[k]) === JSON.stringify(v)),
        ),
    );
  }
  if (Array.isArray(include)) {
    for (const inc of include)
      if (typeof inc === 'object' && inc !== null) legs.push({ ...(inc as object) });
  }
  return legs;
}

function runShell(
  script: string,
  env: Record<string, string>,
  cwd: string,
): { ok: boolean; outputs: Record<string, string>; envOut: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'wf-run-'));
  const files = {
    GITHUB_OUTPUT: join(dir, 'out'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STEP_SUMMARY: join(dir, 'sum'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd,
    env: { ...env, ...files },
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  return {
    ok: r.status === 0,
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    envOut: parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8')),
  };
}

/** The defaults of the workflow_call inputs, typed as declared (GitHub fills them in for a caller). */
function callInputDefaults(wf: LoadedWorkflow): Record<string, JsonValue> {
  const on = (wf.yaml.on ?? {}) as Record<
    string,
    { inputs?: Record<string, { default?: JsonValue }> } | null
  >;
  return Object.fromEntries(
    Object.entries(on.workflow_call?.inputs ?? {})
      .filter(([, d]) => d.default !== undefined)
      .map(([k, d]) => [k, d.default ?? null]),
  );
}

/** Runs the workflow's jobs in `needs` order and returns job results and workflow outputs. */
export async function runWorkflow(
  wf: LoadedWorkflow,
  options: RunWorkflowOptions,
): Promise<WorkflowRun> {
  const jobs: Record<string, JobRecord> = {};
  const pending = wf.template.jobs.filter(
    (j) => !options.jobs || options.jobs.includes(j.id.value),
  );
  const github = {
    repository: 'example-owner/example-repo',
    repository_owner: 'example-owner',
    sha: '0123456789abcdef0123456789abcdef01234567',
    ref: 'refs/heads/main',
    event_name: 'workflow_call',
    run_id: '1',
    workspace: options.workspace,
    token: 'test-token-not-a-secret',
    ...options.github,
  };
  const baseContexts = (): Contexts => ({
    github,
    inputs: { ...callInputDefaults(wf), ...options.inputs },
    secrets: options.secrets ?? {},
    vars: options.vars ?? {},
    runner: { os: 'Linux', arch: 'X64', temp: tmpdir() },
    needs: {},
    env: {},
    job: { status: 'success', ...options.job },
  });
  const workflowEnv = evaluateMappingToStrings(wf.template.env, baseContexts());
  for (let guard = 0; pending.length > 0 && guard < 100; guard++) {
    const index = pending.findIndex((j) => (j.needs ?? []).every((n) => jobs[n.value]));
    if (index < 0)
      throw new Error(`unresolvable needs among ${pending.map((j) => j.id.value).join(', ')}`);
    const [job] = pending.splice(index, 1);
    if (!job) break;
    const id = job.id.value;
    if (job.type !== 'job')
      throw new Error(`job ${id}: reusable workflow calls are not supported by this harness`);
    const needs: Record<string, JsonValue> = {};
    for (const n of job.needs ?? []) {
      const dep = jobs[n.value];
      if (dep) needs[n.value] = { result: dep.result, outputs: dep.outputs };
    }
    const needsFailed = Object.values(needs).some(
      (n) => (n as { result: string }).result !== 'success',
    );
    const jobContexts: Contexts = { ...baseContexts(), needs, env: workflowEnv };
    const runIt = evaluateToken(job.if, jobContexts, { failed: needsFailed });
    if (!runIt) {
      jobs[id] = { id, result: 'skipped', outputs: {}, legs: [] };
      continue;
    }
    const record: JobRecord = { id, result: 'success', outputs: {}, legs: [] };
    const rawJob = mappingGet(mappingGet(wf.root, 'jobs'), id);
    for (const matrix of matrixLegs(job.strategy, jobContexts)) {
      const runnerTemp = mkdtempSync(join(tmpdir(), 'wf-runner-temp-'));
      const legContexts: Contexts = {
        ...jobContexts,
        matrix,
        runner: { os: 'Linux', arch: 'X64', temp: runnerTemp },
      };
      const runsOn = evaluateToken(mappingGet(rawJob, 'runs-on'), legContexts);
      const timeoutToken = mappingGet(rawJob, 'timeout-minutes');
      const timeoutMinutes = timeoutToken ? evaluateToken(timeoutToken, legContexts) : undefined;
      const jobEnv = { ...workflowEnv, ...evaluateMappingToStrings(job.env, legContexts) };
      const steps: Record<string, JsonValue> = {};
      const stepRecords: StepRecord[] = [];
      let failed = false;
      let addedEnv: Record<string, string> = {};
      const rawSteps = mappingGet(rawJob, 'steps');
      for (const [i, step] of job.steps.entries()) {
        const rawStep = isSequence(rawSteps as TemplateToken)
          ? (rawSteps as unknown as { get(i: number): TemplateToken }).get(i)
          : undefined;
        const env = { ...jobEnv, ...addedEnv };
        const ctx: Contexts = { ...legContexts, steps, env };
        const stepIf = 'if' in step ? step.if : undefined;
        const should = stepIf ? Boolean(evaluateToken(stepIf, ctx, { failed })) : !failed;
        if (!should) {
          stepRecords.push({ id: step.id, kind: 'skipped', outputs: {}, outcome: 'skipped' });
          steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
          continue;
        }
        const stepEnv = {
          ...options.env,
          RUNNER_TEMP: runnerTemp,
          ...env,
          ...evaluateMappingToStrings('env' in step ? step.env : undefined, ctx),
        };
        let rec: StepRecord;
        if ('uses' in step) {
          const uses = step.uses.value;
          const withInputs = evaluateMappingToStrings(mappingGet(rawStep, 'with'), ctx);
          const local = checkedOutAction.exec(uses);
          const ours = local ? [uses, local[2]] : ourAction.exec(uses);
          if (ours?.[1]) {
            const actionsRoot = local?.[1] ? join(options.workspace, local[1]) : undefined;
            if (actionsRoot && !existsSync(join(actionsRoot, 'actions', ours[1], 'action.yml'))) {
              throw new Error(
                `job ${id} step ${step.id}: ${uses} is not checked out (no ${actionsRoot}/actions/${ours[1]}/action.yml)`,
              );
            }
            const run = await runAction(ours[1], withInputs, {
              ...(actionsRoot ? { actionsRoot } : {}),
              cwd: options.workspace,
              env: {
                ...stepEnv,
                GITHUB_REPOSITORY: String(github.repository),
                GITHUB_REPOSITORY_OWNER: String(github.repository_owner),
                GITHUB_SHA: String(github.sha),
                GITHUB_WORKSPACE: options.workspace,
              },
            });
            addedEnv = { ...addedEnv, ...run.env };
            rec = {
              id: step.id,
              kind: 'action',
              uses,
              inputs: withInputs,
              outputs: run.outputs,
              outcome: run.exitCode === 0 ? 'success' : 'failure',
              action: run,
            };
          } else {
            const name = uses.replace(/@.*$/, '');
            const handler = options.externalActions?.[name];
            if (!handler)
              throw new Error(
                `job ${id} step ${step.id}: no handler for external action '${uses}'`,
              );
            let outputs: Record<string, string> = {};
            let outcome: StepRecord['outcome'] = 'success';
            try {
              outputs = await handler(withInputs, ctx);
            } catch (e: unknown) {
              if (!(e instanceof StepFailure)) throw e;
              outcome = 'failure';
            }
            rec = { id: step.id, kind: 'external', uses, inputs: withInputs, outputs, outcome };
          }
        } else if ('run' in step) {
          const script = coerceToString(evaluateToken(step.run, ctx));
          const r = runShell(
            script,
            { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...stepEnv },
            options.workspace,
          );
          addedEnv = { ...addedEnv, ...r.envOut };
          rec = {
            id: step.id,
            kind: 'run',
            outputs: r.outputs,
            outcome: r.ok ? 'success' : 'failure',
          };
        } else {
          throw new Error(`job ${id} step ${step.id}: unsupported step kind`);
        }
        const continueOnError = 'continue-on-error' in step && step['continue-on-error'] === true;
        if (rec.outcome === 'failure' && !continueOnError) failed = true;
        steps[step.id] = { outputs: rec.outputs, outcome: rec.outcome, conclusion: rec.outcome };
        stepRecords.push(rec);
        options.onStep?.(id, step.id, rec);
      }
      const outputs = evaluateMappingToStrings(job.outputs, { ...legContexts, steps });
      record.outputs = {
        ...record.outputs,
        ...Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== '')),
      };
      record.legs.push({
        matrix,
        runsOn,
        ...(timeoutMinutes !== undefined ? { timeoutMinutes } : {}),
        runnerTemp,
        steps: stepRecords,
        result: failed ? 'failure' : 'success',
      });
      if (failed) record.result = 'failure';
    }
    jobs[id] = record;
  }
  const on = (wf.yaml.on ?? {}) as Record<
    string,
    { outputs?: Record<string, { value?: string }> } | null
  >;
  const outputs: Record<string, string> = {};
  const jobsContext: Record<string, JsonValue> = Object.fromEntries(
    Object.values(jobs).map((j) => [j.id, { result: j.result, outputs: j.outputs }]),
  );
  for (const [name, def] of Object.entries(on.workflow_call?.outputs ?? {})) {
    const value = def.value ?? '';
    outputs[name] = value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, expr: string) =>
      coerceToString(evaluateExpression(expr.trim(), { jobs: jobsContext })),
    );
  }
  return { jobs, outputs };
}
