/**
 * Untrusted text through the actions logger (issue 14): a module name, a registry's error body or
 * a file name must not run as a workflow command. The output is read back the way the runner
 * reads it (test/support/workflow-commands.ts) and must hold exactly the commands the logger
 * issued itself, their text intact.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { workflowCommands } from '../../../test/support/workflow-commands';
import { createActionsLogger, logInfo } from '../src/logger';

const hostile = [
  'module hailo\n::error::pwned-newline',
  'module hailo\r::add-mask::pwned-cr',
  '  ::set-output name=passed::pwned-leading-blanks',
  'name %0A::error::pwned-percent%0D%25',
  'firmware ##[error]pwned-legacy',
  'signer CN=x ##[add-mask]pwned-legacy-mask',
  '::stop-commands::pwned-token',
];

let written: string;
let original: typeof process.stdout.write;

beforeEach(() => {
  written = '';
  original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    written += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
});

afterEach(() => {
  process.stdout.write = original;
});

describe('logInfo', () => {
  it.each(hostile)('prints %j as text the runner does not act on', (text) => {
    logInfo(text);
    process.stdout.write = original;
    expect(workflowCommands(written)).toEqual([]);
    expect(written).toContain(text);
  });

  it('leaves commands issued after it working (a hostile stop-commands does not swallow them)', () => {
    logInfo('::stop-commands::pwned-token');
    createActionsLogger().error('a real error');
    process.stdout.write = original;
    expect(workflowCommands(written).map((c) => [c.name, c.data])).toEqual([
      ['error', 'a real error'],
    ]);
  });

  it('prints text without command markers as it is, on its own line', () => {
    logInfo('kernel image 127.0.0.1:5000/acme/kernel: release 6.12.31-talos');
    process.stdout.write = original;
    expect(written).toBe('kernel image 127.0.0.1:5000/acme/kernel: release 6.12.31-talos\n');
  });
});

describe('createActionsLogger', () => {
  it('keeps hostile text as the data of its own debug, warning, error and group commands', async () => {
    const logger = createActionsLogger();
    for (const text of hostile) {
      logger.info(text);
      logger.debug(text);
      logger.warning(text);
      logger.error(text);
      await logger.group(text, async () => undefined);
    }
    process.stdout.write = original;
    const expected = hostile.flatMap((text) => [
      ['debug', text],
      ['warning', text],
      ['error', text],
      ['group', text],
      ['endgroup', ''],
    ]);
    expect(workflowCommands(written).map((c) => [c.name, c.data])).toEqual(expected);
  });
});
