/**
 * verify-image's `pr-comment`: on a pull_request event the bundled action keeps ONE comment updated
 * with the report. GitHub's REST API cannot run here, so a loopback stand-in serves the three
 * endpoints the action uses and throws (answers 500 and records it) on anything else.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { syntheticModule } from '../../packages/kmod/test/helpers/synthetic-elf';
import { runAction } from '../support/action';
import {
  extensionFiles,
  manifestYaml,
  newDir,
  writeDirectory,
  writeOciLayout,
} from '../support/images';

interface Comment {
  id: number;
  body: string;
}

let server: Server;
let api: string;
const comments: Comment[] = [];
const unexpected: string[] = [];
let denyWrites = false;

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += (chunk as Buffer).toString();
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      if (req.headers.authorization !== 'token pr-token')
        return send(401, { message: 'Bad credentials' });
      if (req.method === 'GET' && url.pathname === '/repos/acme/pkgs/issues/7/comments') {
        return send(200, comments);
      }
      if (denyWrites) return send(403, { message: 'Resource not accessible by integration' });
      if (req.method === 'POST' && url.pathname === '/repos/acme/pkgs/issues/7/comments') {
        const c = { id: 1000 + comments.length, body: String((await body(req)).body) };
        comments.push(c);
        return send(201, c);
      }
      const patch = /^\/repos\/acme\/pkgs\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (req.method === 'PATCH' && patch) {
        const c = comments.find((x) => x.id === Number(patch[1]));
        if (!c) return send(404, { message: 'Not Found' });
        c.body = String((await body(req)).body);
        return send(200, c);
      }
      unexpected.push(`${req.method} ${url.pathname}`);
      return send(500, { message: 'unexpected call' });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

async function extensionDir(version: string): Promise<string> {
  const dir = newDir('pr-comment-ext');
  return writeDirectory(
    dir,
    extensionFiles(
      { name: 'hailort', version },
      {
        kernelRelease: '6.12.31-talos',
        modules: [],
        rules: { '51-hailo.rules': 'KERNEL=="hailo*", MODE="0666"\n' },
      },
    ),
  );
}

function pullRequestEnv(): Record<string, string> {
  const event = join(newDir('pr-event'), 'event.json');
  writeFileSync(
    event,
    JSON.stringify({
      pull_request: { number: 7 },
      repository: { name: 'pkgs', owner: { login: 'acme' } },
    }),
  );
  return {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: 'acme/pkgs',
    GITHUB_API_URL: api,
    GITHUB_TOKEN: 'pr-token',
  };
}

describe('verify-image pr-comment', () => {
  it('adds one report comment, then edits that same comment when the report changes', async () => {
    const env = pullRequestEnv();
    const image = await extensionDir('1.0.0');
    const first = await runAction('verify-image', { image, 'pr-comment': 'true' }, { env });
    expect(first.exitCode).toBe(0);
    expect(comments).toHaveLength(1);
    const [comment] = comments;
    expect(comment?.body).toContain(`<!-- talos-kmod verify-image: ${image} -->`);
    expect(comment?.body).toContain('### verify-image ✅ passed');

    writeFileSync(join(image, 'manifest.yaml'), 'version: v1alpha0\nmetadata:\n  name: hailort\n');
    const second = await runAction('verify-image', { image, 'pr-comment': 'true' }, { env });
    expect(second.exitCode).toBe(1);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.id).toBe(comment?.id);
    expect(comments[0]?.body).toContain('### verify-image ❌ failed');
    expect(comments[0]?.body).toContain('extension.manifest-version');
    expect(unexpected).toEqual([]);
  });

  it('only warns when the token may not write, and the verdict still decides the step', async () => {
    denyWrites = true;
    try {
      const run = await runAction(
        'verify-image',
        { image: await extensionDir('2.0.0'), 'pr-comment': 'true' },
        { env: pullRequestEnv() },
      );
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toMatch(
        /::warning::pr-comment: could not write the report comment on #7 .*pull-requests: write/,
      );
      // The runner consumes ::add-mask:: lines; the token appears nowhere else.
      expect(run.stdout.split('\n').filter((l) => l.includes('pr-token'))).toEqual([
        '::add-mask::pr-token',
      ]);
    } finally {
      denyWrites = false;
    }
  });

  it('writes no comment outside pull_request events', async () => {
    const before = comments.length;
    const run = await runAction(
      'verify-image',
      { image: await extensionDir('3.0.0'), 'pr-comment': 'true' },
      {
        env: { ...pullRequestEnv(), GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: '/nonexistent' },
      },
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('pr-comment: not a pull_request event (push)');
    expect(comments.length).toBe(before);
  });

  it('renders hostile image strings as text in the comment and the job summary', async () => {
    const hostile = 'hailo\n# Owned @octocat <img src=x onerror=alert(1)>';
    const module = syntheticModule({
      bits: 64,
      endian: 'little',
      machine: 62,
      modinfo: ['license=GPL', `name=${hostile}`, 'vermagic=6.12.31-talos SMP mod_unload'],
    });
    const dir = await writeOciLayout(newDir('pr-comment-hostile'), [
      {
        layers: [
          [
            { path: 'manifest.yaml', content: manifestYaml({ name: 'hostile' }) },
            {
              path: 'rootfs/usr/lib/modules/6.12.31-talos/extra/evil.ko',
              content: Buffer.from(module.bytes),
            },
            { path: `rootfs/usr/share/${hostile}|cell\`code\``, content: 'x' },
          ],
        ],
      },
    ]);
    const image = `oci:${dir}`;
    const run = await runAction(
      'verify-image',
      { image, 'pr-comment': 'true' },
      { env: pullRequestEnv() },
    );
    expect(run.exitCode).toBe(1);
    const comment = comments.find((c) => c.body.includes(`verify-image: ${image}`));
    expect(comment).toBeDefined();
    for (const markdown of [comment?.body ?? '', run.summary]) {
      // the strings did reach the markdown, escaped
      expect(markdown).toContain('Owned');
      const html = execFileSync(
        'cmark-gfm',
        ['--unsafe', '-e', 'table', '-e', 'autolink', '-e', 'tagfilter'],
        { input: markdown, encoding: 'utf8' },
      );
      expect(html).not.toMatch(/<h1|<img|<a /);
      // GitHub links no mention inside code; everywhere else the @ must be broken
      const outsideCode = html.replace(/<code>[\s\S]*?<\/code>/g, '').replace(/<[^>]*>/g, '');
      expect(outsideCode).not.toMatch(/@octocat/);
      expect(html).toMatch(/@\u200boctocat/);
    }
    expect(unexpected).toEqual([]);
  });
});
