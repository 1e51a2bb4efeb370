/**
 * Keeps one pull request comment per image repository updated with the report: the comment carries
 * a hidden marker, and a later run edits it instead of adding another. Only a comment the token's
 * own identity wrote is edited: anyone can post a comment that starts with the marker, and editing
 * theirs would let them hide the report. Optional work: any failure is a warning, never a failed
 * step.
 */
import * as core from '@actions/core';
import * as github from '@actions/github';
import { logInfo } from '@talos-kmod/action-kit';
import { describeError, markdownCode } from '@talos-kmod/common';
import { formatReportMarkdown, type VerifyReport } from '@talos-kmod/pipeline';

/** GitHub refuses an issue comment body longer than this many characters. */
export const maxCommentLength = 65536;

/** The hidden line that identifies our comment for `image` (its repository, without tag/digest). */
export function commentMarker(image: string): string {
  const repository = image.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^/:]+$/, '');
  // nothing in the name may end the HTML comment (`>`) or the line
  const safe = repository.replace(/[^A-Za-z0-9._/:@+-]/g, '_');
  return `<!-- talos-kmod verify-image: ${safe} -->`;
}

/**
 * The comment body for `report`, at most `limit` characters: fewer table rows first, then cut at
 * a line (every line of the report stands alone) with a note saying where the rest is.
 */
export function reportCommentBody(report: VerifyReport, limit = maxCommentLength): string {
  const head = [
    commentMarker(report.image),
    `### verify-image ${report.passed ? '✅ passed' : '❌ failed'}: ${markdownCode(report.image)}`,
    '',
  ].join('\n');
  for (const rows of [60, 20, 5]) {
    const body = `${head}\n${formatReportMarkdown(report, { maxChecks: rows, maxModules: rows })}`;
    if (body.length <= limit) return body;
  }
  const note = '\n\n…cut to fit a comment; the job summary and the JSON report have it all.\n';
  const full = `${head}\n${formatReportMarkdown(report, { maxChecks: 5, maxModules: 5 })}`;
  let cut = full.slice(0, Math.max(0, limit - note.length - '\n</details>'.length));
  cut = cut.slice(0, Math.max(cut.lastIndexOf('\n'), 0));
  const open = (cut.match(/<details>/g) ?? []).length - (cut.match(/<\/details>/g) ?? []).length;
  return `${cut}${open > 0 ? '\n</details>' : ''}${note}`;
}

type Octokit = ReturnType<typeof github.getOctokit>;

/**
 * The login the token acts as: `GET /user` for a user's token; an app installation token (the
 * workflow's GITHUB_TOKEN) may not read it, so then the GraphQL `viewer`, which answers the app's
 * bot name without the `[bot]` suffix REST shows on its comments.
 */
async function tokenLogin(octokit: Octokit): Promise<string | undefined> {
  try {
    return (await octokit.rest.users.getAuthenticated()).data.login;
  } catch (e: unknown) {
    core.debug(`pr-comment: GET /user: ${describeError(e)}`);
  }
  try {
    const r = await octokit.graphql<{ viewer?: { login?: string } }>('query { viewer { login } }');
    return r.viewer?.login;
  } catch (e: unknown) {
    core.debug(`pr-comment: GraphQL viewer: ${describeError(e)}`);
    return undefined;
  }
}

/** True when `author` (a REST comment's user login) is `login` or its `[bot]` account. */
function writtenBy(author: string | undefined, login: string): boolean {
  return author !== undefined && (author === login || author === `${login}[bot]`);
}

/** Creates or updates the report comment on the current pull request. */
export async function upsertReportComment(report: VerifyReport, token: string): Promise<void> {
  const pr = github.context.payload.pull_request;
  if (!pr) {
    logInfo(
      `pr-comment: not a pull_request event (${github.context.eventName}); no comment written`,
    );
    return;
  }
  const marker = commentMarker(report.image);
  const body = reportCommentBody(report);
  const { owner, repo } = github.context.repo;
  try {
    const octokit = github.getOctokit(token);
    const login = await tokenLogin(octokit);
    if (login === undefined)
      core.warning(
        "pr-comment: could not tell which account the token belongs to (GET /user and GraphQL viewer both failed), so an existing report comment is not edited and a new one is added; pass a token that can read its own identity, or the workflow's github.token",
      );
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: pr.number,
      per_page: 100,
    });
    const ours =
      login === undefined
        ? undefined
        : comments.find((c) => c.body?.startsWith(marker) && writtenBy(c.user?.login, login));
    const others = comments.filter((c) => c.body?.startsWith(marker) && c !== ours).length;
    if (others > 0)
      logInfo(
        `pr-comment: ${others} comment(s) carry the report marker but were written by another account; left alone`,
      );
    if (ours) {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: ours.id, body });
      logInfo(`pr-comment: updated comment ${ours.id} on #${pr.number}`);
    } else {
      const created = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: pr.number,
        body,
      });
      logInfo(`pr-comment: added comment ${created.data.id} on #${pr.number}`);
    }
  } catch (e: unknown) {
    core.warning(
      `pr-comment: could not write the report comment on #${pr.number} (${describeError(e)}); ` +
        "give the job 'pull-requests: write' (fork PRs get a read-only token; the report is in the job summary)",
    );
  }
}
