/**
 * verify-image's `pr-comment`: on a pull_request event the bundled action keeps ONE comment per
 * image repository updated with the report, and edits only a comment its own token wrote.
 * GitHub's API cannot run here, so a loopback stand-in serves what the action uses as GitHub does
 * (comments paged 100 at a time with `Link` headers; `GET /user` refused to an app installation
 * token, whose identity the GraphQL `viewer` gives without the `[bot]` suffix its comments show;
 * bodies over 65,536 characters refused with 422) and answers 500 to anything else, recording it.
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
  pushLayout,
  writeDirectory,
  writeOciLayout,
  type TestFile,
} from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';

interface Comment {
  id: number;
  body: string;
  user: { login: string; type: string };
}

/** The accounts behind the tokens the tests use (REST login of the comments they write). */
const accounts: Record<string, { rest: string; viewer: string; userApi: boolean }> = {
  'pr-token': { rest: 'github-actions[bot]', viewer: 'github-actions', userApi: false },
  'pat-token': { rest: 'alice', viewer: 'alice', userApi: true },
};

let server: Server;
let api: string;
let registry: TestRegistry;
const comments: Comment[] = [];
const unexpected: string[] = [];
let denyWrites = false;
let nextId = 1000;

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += (chunk as Buffer).toString();
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function addComment(login: string, text: string): Comment {
  const c = {
    id: nextId++,
    body: text,
    user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
  };
  comments.push(c);
  return c;
}

beforeAll(async () => {
  registry = await startRegistry();
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(data));
      };
      const token = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const account = accounts[token];
      if (!account) return send(401, { message: 'Bad credentials' });
      if (req.method === 'GET' && url.pathname === '/user') {
        return account.userApi
          ? send(200, { login: account.rest })
          : send(403, { message: 'Resource not accessible by integration' });
      }
      if (req.method === 'POST' && url.pathname === '/graphql') {
        const q = String((await body(req)).query);
        if (!/viewer\s*\{\s*login\s*\}/.test(q)) {
          unexpected.push(`graphql ${q}`);
          return send(500, { message: 'unexpected query' });
        }
        return send(200, { data: { viewer: { login: account.viewer } } });
      }
      if (req.method === 'GET' && url.pathname === '/repos/acme/pkgs/issues/7/comments') {
        const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
        const page = Number(url.searchParams.get('page') ?? 1);
        const last = Math.max(1, Math.ceil(comments.length / perPage));
        const link = (n: number, rel: string) =>
          `<${api}${url.pathname}?per_page=${perPage}&page=${n}>; rel="${rel}"`;
        const links = [
          ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
          ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
        ];
        return send(
          200,
          comments.slice((page - 1) * perPage, page * perPage),
          links.length > 0 ? { link: links.join(', ') } : {},
        );
      }
      if (denyWrites) return send(403, { message: 'Resource not accessible by integration' });
      const text =
        req.method === 'POST' || req.method === 'PATCH' ? String((await body(req)).body) : '';
      if (text.length > 65536)
        return send(422, {
          message: 'Validation Failed',
          errors: [
            {
              field: 'body',
              code: 'custom',
              message: 'body is too long (maximum is 65536 characters)',
            },
          ],
        });
      if (req.method === 'POST' && url.pathname === '/repos/acme/pkgs/issues/7/comments') {
        return send(201, addComment(account.rest, text));
      }
      const patch = /^\/repos\/acme\/pkgs\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (req.method === 'PATCH' && patch) {
        const c = comments.find((x) => x.id === Number(patch[1]));
        if (!c) return send(404, { message: 'Not Found' });
        if (c.user.login !== account.rest)
          return send(403, { message: 'Must have admin rights to Repository.' });
        c.body = text;
        return send(200, c);
      }
      unexpected.push(`${req.method} ${url.pathname}`);
      return send(500, { message: 'unexpected call' });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 120_000);

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await registry?.stop();
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
    GITHUB_GRAPHQL_URL: `${api}/graphql`,
    GITHUB_TOKEN: 'pr-token',
  };
}

/** The comments that carry the report marker of `image`. */
const marked = (image: string): Comment[] =>
  comments.filter((c) => c.body.startsWith(`<!-- talos-kmod verify-image: ${image} -->`));

describe('verify-image pr-comment', () => {
  it('adds one report comment, then edits that same comment when the report changes', async () => {
    const env = pullRequestEnv();
    const image = await extensionDir('1.0.0');
    const first = await runAction('verify-image', { image, 'pr-comment': 'true' }, { env });
    expect(first.exitCode).toBe(0);
    expect(marked(image)).toHaveLength(1);
    const [comment] = marked(image);
    expect(comment?.body).toContain('### verify-image ✅ passed');

    writeFileSync(join(image, 'manifest.yaml'), 'version: v1alpha0\nmetadata:\n  name: hailort\n');
    const second = await runAction('verify-image', { image, 'pr-comment': 'true' }, { env });
    expect(second.exitCode).toBe(1);
    expect(marked(image)).toHaveLength(1);
    expect(marked(image)[0]?.id).toBe(comment?.id);
    expect(marked(image)[0]?.body).toContain('### verify-image ❌ failed');
    expect(marked(image)[0]?.body).toContain('extension.manifest-version');
    expect(unexpected).toEqual([]);
  });

  it('never edits a marked comment another account wrote, and edits its own after', async () => {
    const env = pullRequestEnv();
    const image = await extensionDir('1.1.0');
    const planted = addComment(
      'mallory',
      `<!-- talos-kmod verify-image: ${image} -->\n### verify-image ✅ passed (trust me)`,
    );
    const first = await runAction('verify-image', { image, 'pr-comment': 'true' }, { env });
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('written by another account; left alone');
    expect(comments.find((c) => c.id === planted.id)?.body).toContain('(trust me)');
    const ours = marked(image).filter((c) => c.user.login === 'github-actions[bot]');
    expect(ours).toHaveLength(1);

    const again = await runAction('verify-image', { image, 'pr-comment': 'true' }, { env });
    expect(again.exitCode).toBe(0);
    expect(marked(image).map((c) => c.id)).toEqual([planted.id, ours[0]?.id]);
    expect(comments.find((c) => c.id === planted.id)?.body).toContain('(trust me)');
    expect(unexpected).toEqual([]);
  });

  it("edits the comment of a user's token (identity from GET /user), not the bot's", async () => {
    const env = pullRequestEnv();
    const image = await extensionDir('1.2.0');
    const inputs = { image, 'pr-comment': 'true', 'github-token': 'pat-token' };
    await runAction('verify-image', { image, 'pr-comment': 'true' }, { env });
    expect((await runAction('verify-image', inputs, { env })).exitCode).toBe(0);
    expect((await runAction('verify-image', inputs, { env })).exitCode).toBe(0);
    expect(marked(image).map((c) => c.user.login)).toEqual(['github-actions[bot]', 'alice']);
    expect(unexpected).toEqual([]);
  });

  it('finds its comment on a later page of a long conversation', async () => {
    const env = pullRequestEnv();
    for (let i = 0; i < 130; i++) addComment('reviewer', `comment ${i}`);
    const image = await extensionDir('1.3.0');
    await runAction('verify-image', { image, 'pr-comment': 'true' }, { env });
    const [ours] = marked(image);
    expect(comments.indexOf(ours as Comment)).toBeGreaterThanOrEqual(100);
    for (let i = 0; i < 100; i++) addComment('reviewer', `later ${i}`);
    await runAction('verify-image', { image, 'pr-comment': 'true' }, { env });
    expect(marked(image).map((c) => c.id)).toEqual([ours?.id]);
    expect(unexpected).toEqual([]);
  });

  it('keeps one comment per repository across tags and digests', async () => {
    const env = pullRequestEnv();
    const layout = async (version: string, tag: string) =>
      writeOciLayout(
        newDir('pr-comment-repo'),
        [
          {
            layers: [
              [
                { path: 'manifest.yaml', content: manifestYaml({ name: 'hailort', version }) },
                { path: 'rootfs/usr/local/share/version', content: version },
              ],
            ],
          },
        ],
        tag,
      );
    const v1 = await pushLayout(await layout('1.0.0', 'v1'), registry.host, 'acme/hailort', 'v1');
    const v2 = await pushLayout(await layout('2.0.0', 'v2'), registry.host, 'acme/hailort', 'v2');
    const other = await pushLayout(await layout('1.0.0', 'v1'), registry.host, 'acme/other', 'v1');
    expect(v1).not.toBe(v2);
    const repo = `${registry.host}/acme/hailort`;
    for (const image of [v1, v2, v2.replace(/@sha256:.*$/, '')]) {
      const run = await runAction('verify-image', { image, 'pr-comment': 'true' }, { env });
      expect(run.exitCode).toBe(0);
      expect(marked(repo)).toHaveLength(1);
      expect(marked(repo)[0]?.body).toContain(image);
    }
    await runAction('verify-image', { image: other, 'pr-comment': 'true' }, { env });
    expect(marked(repo)).toHaveLength(1);
    expect(marked(`${registry.host}/acme/other`)).toHaveLength(1);
    expect(unexpected).toEqual([]);
  }, 180_000);

  it('cuts a report too long for one comment to fit, marker first', async () => {
    const env = pullRequestEnv();
    // repeated failures of one check are one row (first path, message, three more paths), so
    // the paths are long enough for that row alone to pass the comment limit
    const long = (i: number): TestFile => ({
      path: `rootfs/opt/${String(i).padStart(2, '0')}-${'x'.repeat(20_000)}`,
      content: 'x',
    });
    const dir = await writeOciLayout(newDir('pr-comment-long'), [
      {
        layers: [
          [
            { path: 'manifest.yaml', content: manifestYaml({ name: 'long' }) },
            ...Array.from({ length: 30 }, (_, i) => long(i)),
          ],
        ],
      },
    ]);
    const image = `oci:${dir}`;
    const run = await runAction('verify-image', { image, 'pr-comment': 'true' }, { env });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).not.toContain('could not write the report comment');
    const [comment] = marked(image);
    expect(comment?.body.length).toBeLessThanOrEqual(65536);
    expect(comment?.body).toContain('### verify-image ❌ failed');
    expect(comment?.body).toContain('cut to fit a comment');
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
