import { describe, expect, it } from '@jest/globals';
import {
  guardWorkflowCommands,
  jsonWithoutWorkflowCommands,
  mayHoldWorkflowCommand,
} from '../src/workflow-commands';

describe('mayHoldWorkflowCommand', () => {
  it('finds `::` first in any line after blanks, and `##[` anywhere', () => {
    for (const text of [
      '::error::x',
      '  ::error::x',
      'ok\n::add-mask::x',
      'ok\r::add-mask::x',
      '\u00a0\u3000::warning::x',
      '\u0085::warning::x',
      'name ##[error]x',
    ]) {
      expect(mayHoldWorkflowCommand(text)).toBe(true);
    }
  });
  it('leaves `::` inside a line alone: an IPv6 registry in a pinned reference is printed as it is', () => {
    const ref = '[::1]:5000/acme/kernel@sha256:' + 'a'.repeat(64);
    expect(mayHoldWorkflowCommand(ref)).toBe(false);
    expect(guardWorkflowCommands(`${ref}\n`)).toBe(`${ref}\n`);
    expect(mayHoldWorkflowCommand('key=a::b')).toBe(false);
  });
});

describe('jsonWithoutWorkflowCommands', () => {
  // seeded, so a failure can be replayed
  let seed = 0x5eed;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const alphabet = [':', ':', '#', '#', '[', ']', '\\', '"', '\n', ' ', 'a', 'é', '\u0085'];
  const randomText = (): string =>
    Array.from({ length: 1 + next(24) }, () => alphabet[next(alphabet.length)]).join('');

  it('reads back as the same value, and no line of it reads as a command', () => {
    for (let i = 0; i < 2000; i++) {
      const value = {
        [randomText()]: [randomText(), { name: randomText() }],
        plain: randomText(),
      };
      const json = jsonWithoutWorkflowCommands(JSON.stringify(value, null, 2));
      expect(JSON.parse(json)).toEqual(value);
      expect(json).not.toMatch(/::|##\[/);
    }
  });
  it('is the JSON text itself when no string holds `::` or `##[`', () => {
    const json = JSON.stringify({ a: 'ghcr.io/x:y', b: ['#1', '[x]'] }, null, 2);
    expect(jsonWithoutWorkflowCommands(json)).toBe(json);
  });
});
