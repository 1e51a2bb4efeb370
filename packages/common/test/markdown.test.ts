/**
 * Hostile strings through the markdown escapers, rendered by cmark-gfm (GitHub's own fork of
 * cmark, with its table, autolink, strikethrough and tagfilter extensions) as the oracle: the
 * rendered text must be the input itself, on one line, with no element the input asked for.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { markdownCode, markdownFence, markdownText, visibleControls } from '@talos-kmod/common';

function render(markdown: string): string {
  return execFileSync(
    'cmark-gfm',
    ['--unsafe', '-e', 'table', '-e', 'autolink', '-e', 'strikethrough', '-e', 'tagfilter'],
    { input: markdown, encoding: 'utf8' },
  );
}

/** Text content of rendered HTML: tags dropped, the entities cmark writes decoded. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

const hostile: readonly string[] = [
  'hailo\n# Owned @octocat <img src=x onerror=alert(1)>',
  'name\r\n\r\n<script>alert(1)</script>',
  'a``b```c`',
  '`leading and trailing`',
  'cell|break|',
  '[click](https://evil.example/x) ![i](https://evil.example/i.png)',
  '<!-- hide the rest',
  '**bold** _em_ ~~gone~~ $x^2$ :tada:',
  '- list\n1. item\n> quote\n---',
  '\u202eevil\u202c and \u001b[31mred\u001b[0m and \u2028sep',
  '&lt;already&gt; &#64;entity',
  'trailing backslash \\',
  '@team/reviewers and mail@example.com',
  'www.evil.example and http://evil.example',
  '# heading at the start',
  '   ## indented heading',
  '1. numbered',
  '- dash',
  '+ plus',
  '= setext',
];

/** What the reader must see for `s`: the input with visible escapes, mentions broken. */
const expected = (s: string) =>
  visibleControls(s)
    .replace(/@/g, '@\u200b')
    .replace(/\b(https?):\/\//g, '$1\u200b://')
    .replace(/\bwww\./g, 'www\u200b.');

const cellsOfRow = (html: string): string[] =>
  [...html.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1] ?? '');

describe('markdownText', () => {
  it.each(hostile)('renders %j as one literal paragraph', (s) => {
    const html = render(`${markdownText(s)}\n`);
    expect(html.match(/<[a-z0-9]+/g)).toEqual(['<p']);
    expect(textOf(html).trim()).toBe(expected(s).trim());
    expect(textOf(html)).not.toMatch(/@\w/);
  });

  it.each(hostile)('keeps %j inside one table cell', (s) => {
    const html = render(`| a | b |\n|---|---|\n| ${markdownText(s)} | after |\n`);
    const cells = cellsOfRow(html);
    expect(cells).toHaveLength(2);
    expect(cells[1]).toBe('after');
    expect(cells[0]).not.toMatch(/<(?!\/?td)[a-z]/);
    expect(textOf(cells[0] ?? '').trim()).toBe(expected(s).trim());
  });

  it.each(hostile)('keeps %j inside one list item', (s) => {
    const html = render(`- ${markdownText(s)}\n`);
    expect(html.match(/<[a-z0-9]+/g)).toEqual(['<ul', '<li']);
    expect(textOf(html).trim()).toBe(expected(s).trim());
  });

  it('fails the oracle without escaping (the test can tell)', () => {
    const raw = render(`| a | b |\n|---|---|\n| ${hostile[0] ?? ''} | after |\n`);
    expect(raw).toMatch(/<h1>|<img/);
  });
});

describe('markdownCode', () => {
  it.each(hostile)('renders %j as one code span in a paragraph', (s) => {
    const html = render(`see ${markdownCode(s)} here\n`);
    const code = /<code>([\s\S]*)<\/code>/.exec(html)?.[1];
    expect(html.match(/<[a-z0-9]+/g)).toEqual(['<p', '<code']);
    expect(textOf(code ?? '')).toBe(visibleControls(s).replace(/^ (.* )$/, '$1'));
  });

  it.each(hostile)('renders %j as one code span in a table cell', (s) => {
    const html = render(
      `| a | b |\n|---|---|\n| ${markdownCode(s, { inTable: true })} | after |\n`,
    );
    const cells = cellsOfRow(html);
    expect(cells).toHaveLength(2);
    expect(cells[1]).toBe('after');
    const code = /^<code>([\s\S]*)<\/code>$/.exec(cells[0] ?? '')?.[1];
    expect(textOf(code ?? 'missing')).toBe(visibleControls(s));
  });
});

describe('markdownFence', () => {
  it('holds lines with backtick fences of their own verbatim', () => {
    const lines = ['```', 'make: *** [Makefile:12] Error 2', '````sh', '# not a heading'];
    const html = render(`${markdownFence(lines).join('\n')}\n\nafter\n`);
    const pre = /<pre><code>([\s\S]*?)<\/code><\/pre>/.exec(html)?.[1];
    expect(textOf(pre ?? '')).toBe(`${lines.join('\n')}\n`);
    expect(html).toContain('<p>after</p>');
  });
});
