/**
 * Timing helpers shared by the benchmarks: run a command under GNU time for wall-clock seconds and
 * peak RSS, repeat to take the median (or interleave several commands round by round), and write
 * results as JSON with ratios and the machine's load average while they ran.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

/** The 1-, 5- and 15-minute load averages (as `uptime` prints them) before each timed run. */
const loads: number[][] = [];

/** The load averages seen before the timed runs, for the results JSON. */
export function loadDuringRuns(): { runs: number; oneMinute: { min: number; max: number } } {
  const ones = loads.map((l) => l[0] ?? 0);
  const round = (x: number): number => Number(x.toFixed(2));
  return {
    runs: loads.length,
    oneMinute: { min: round(Math.min(...ones)), max: round(Math.max(...ones)) },
  };
}

/** One measured run. */
export interface Measurement {
  label: string;
  seconds: number;
  maxRssMb: number;
  /** User + system CPU seconds of the command and its children (not of daemons it talks to). */
  cpuSeconds?: number;
}

/**
 * Runs `argv` (or `sh -c` when given a string) under `/usr/bin/time`, `runs` times, and returns
 * the median wall time and the largest peak RSS. Throws with the command's stderr on failure.
 */
export function timeCommand(
  label: string,
  argv: readonly string[] | string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv; runs?: number; before?: () => void } = {},
): Measurement {
  const cmd = typeof argv === 'string' ? ['sh', '-c', argv] : [...argv];
  const samples: Measurement[] = [];
  for (let i = 0; i < (options.runs ?? 3); i++) {
    options.before?.();
    loads.push(loadavg());
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', ...cmd], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const last = r.stderr.trim().split('\n').at(-1) ?? '';
    const m = /^([\d.]+) (\d+) ([\d.]+) ([\d.]+)$/.exec(last);
    if (r.status !== 0 || !m) {
      throw new Error(`${label} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
    }
    samples.push({
      label,
      seconds: Number(m[1]),
      maxRssMb: Number(m[2]) / 1024,
      cpuSeconds: Number((Number(m[3]) + Number(m[4])).toFixed(2)),
    });
  }
  const sorted = [...samples].sort((a, b) => a.seconds - b.seconds);
  const median = sorted[Math.floor(sorted.length / 2)] ?? sorted[0];
  if (!median) throw new Error(`${label}: no samples`);
  return {
    label,
    seconds: median.seconds,
    maxRssMb: Math.max(...samples.map((s) => s.maxRssMb)),
    ...(median.cpuSeconds === undefined ? {} : { cpuSeconds: median.cpuSeconds }),
  };
}

/** A command's median run in an interleaved comparison, with every run's wall time. */
export type Timed = Measurement & { runs: number[] };

/** One command of an interleaved comparison. */
export interface Contender {
  readonly label: string;
  readonly argv: readonly string[] | string;
  /** Runs before each timed run (wipes caches, registry storage). */
  readonly before?: () => void;
}

/**
 * Runs every command once per round, `rounds` times (so load from elsewhere falls on all of them
 * alike), and returns per command, in order, the median wall time with its CPU seconds, the
 * largest peak RSS, and every run's wall time.
 */
export function interleave(commands: readonly Contender[], rounds: number): Timed[] {
  const samples = commands.map((): Measurement[] => []);
  for (let r = 0; r < rounds; r++) {
    commands.forEach((c, i) => {
      const options = { runs: 1, ...(c.before ? { before: c.before } : {}) };
      samples[i]?.push(timeCommand(c.label, c.argv, options));
    });
  }
  return samples.map((all, i) => {
    const sorted = [...all].sort((a, b) => a.seconds - b.seconds);
    const mid = sorted[Math.floor(sorted.length / 2)];
    if (!mid) throw new Error(`no samples for ${commands[i]?.label}`);
    return {
      ...mid,
      maxRssMb: Math.max(...all.map((m) => m.maxRssMb)),
      runs: all.map((m) => m.seconds),
    };
  });
}

/** The `node` of Node 24 (what actions run on), fetched once by npx; undefined when offline. */
export function node24Path(): string | undefined {
  try {
    return execFileSync('npx', ['-y', 'node@24', '-e', 'process.stdout.write(process.execPath)'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return undefined;
  }
}

/** Prints a table of measurements with ratios against `baseline` and saves it as JSON. */
export function report(
  name: string,
  ours: Measurement,
  others: readonly Measurement[],
  extra: Record<string, unknown> = {},
): void {
  const rows = [ours, ...others].map((m) => ({
    ...m,
    ratioToOurs: Number((m.seconds / ours.seconds).toFixed(2)),
  }));
  console.log(`\n${name}`);
  for (const r of rows) {
    console.log(
      `  ${r.label.padEnd(40)} ${r.seconds.toFixed(2).padStart(8)} s  ${r.maxRssMb
        .toFixed(0)
        .padStart(6)} MB  ×${r.ratioToOurs} of ours`,
    );
  }
  const dir = join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${name}.json`),
    `${JSON.stringify({ name, date: new Date().toISOString(), load: loadDuringRuns(), rows, ...extra }, null, 2)}\n`,
  );
}

/** Saves a benchmark's own result shape as bench/results/<name>.json, dated. */
export function writeResults(name: string, data: Record<string, unknown>): void {
  const dir = join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${name}.json`),
    `${JSON.stringify({ name, date: new Date().toISOString(), load: loadDuringRuns(), ...data }, null, 2)}\n`,
  );
}
