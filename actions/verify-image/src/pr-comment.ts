/**
 * Keeps one pull request comment per image repository updated with the report: the comment carries
 * a hidden marker, and a later run edits it instead of adding another. Optional work: any failure
 * is a warning, never a failed step.
 */
import * as core from '@actions/core';
import * as github from '@actions/github';
import { describeError } from '@talos-kmod/common';
import { formatReportMarkdown, type VerifyReport } from '@talos-kmod/pipeline';

/** The hidden line that identifies our comment for `image` (its repository, without tag/digest). */
export function commentMarker(image: string): string {
  const repository = image.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^/:]+$/, '');
  return `<!-- talos-kmod verify-image: ${repository} -->`;
}

/** Creates or updates the report comment on the current pull request. */
export async function upsertReportComment(report: VerifyReport, token: string): Promise<void> {
  const pr = github.context.payload.pull_request;
  if (!pr) {
    core.info(
      `pr-comment: not a pull_request event (${github.context.eventName}); no comment written`,
    );
    return;
  }
  const marker = commentMarker(report.image);
  const verdict = report.passed ? '✅ passed' : '❌ failed';
  const body = [
    marker,
    `### verify-image ${verdict}: \`${report.image}\``,
    '',
    formatReportMarkdown(report, { maxChecks: 60, maxModules: 60 }),
  ].join('\n');
  const { owner, repo } = github.context.repo;
  try {
    const octokit = github.getOctokit(token);
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: pr.number,
      per_page: 100,
    });
    const ours = comments.find((c) => c.body?.startsWith(marker));
    if (ours) {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: ours.id, body });
      core.info(`pr-comment: updated comment ${ours.id} on #${pr.number}`);
    } else {
      const created = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: pr.number,
        body,
      });
      core.info(`pr-comment: added comment ${created.data.id} on #${pr.number}`);
    }
  } catch (e: unknown) {
    core.warning(
      `pr-comment: could not write the report comment on #${pr.number} (${describeError(e)}); ` +
        "give the job 'pull-requests: write' (fork PRs get a read-only token; the report is in the job summary)",
    );
  }
}
