/**
 * An organization's setup links on its console page: create one (expiry, approval), the URL shown
 * once right after, and each link's progress (created → opened → IdP configured → domain
 * verified → test passed → active), with revoke and approve.
 */
import type { SetupLinkView } from '../../admin/setup-links'
import { PostButton } from './layout'

const STEPS: [keyof SetupLinkView['steps'], string][] = [
  ['created', 'created'],
  ['opened', 'opened'],
  ['idpConfigured', 'IdP configured'],
  ['domainVerified', 'domain verified'],
  ['testPassed', 'test passed'],
  ['active', 'active'],
]

export function SetupLinksSection(props: { organizationId: string; csrf: string; links: SetupLinkView[]; newUrl?: string | null }) {
  const base = `/sso/admin/organizations/${props.organizationId}/setup-links`
  return (
    <fieldset id="setup-links">
      <legend>Setup links</legend>
      <p class="muted">
        A setup link lets this organization's IT connect its own IdP: step-by-step instructions for its product, its domains verified by DNS, a test sign-in.
        Its IdP stays off until the domain is verified and the test passed.
      </p>
      {props.newUrl ? (
        <div class="flash" role="status" data-testid="setup-link-created">
          <p>Send this link to the organization's IT. It is shown only now.</p>
          <input type="text" readonly value={props.newUrl} data-testid="setup-link-url" aria-label="Setup link" />
        </div>
      ) : null}
      <form method="post" action={base}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <div class="grid2">
          <div>
            <label for="f-expiresInDays">Valid for (days)</label>
            <input id="f-expiresInDays" name="expiresInDays" type="number" min="1" max="30" value="7" />
          </div>
          <label class="check">
            <input type="checkbox" name="requireApproval" value="true" /> I approve the IdP before it goes live
          </label>
        </div>
        <button class="btn" type="submit" data-testid="create-setup-link">
          Create setup link
        </button>
      </form>
      {props.links.length ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Link</th>
                <th scope="col">Progress</th>
                <th scope="col">Status</th>
                <th scope="col"></th>
              </tr>
            </thead>
            <tbody>
              {props.links.map((l) => (
                <tr data-setup-link={l.id}>
                  <td>
                    <code>{l.id}</code>
                    <div class="muted">until {l.expiresAt.slice(0, 10)}</div>
                  </td>
                  <td data-testid="setup-link-progress">{STEPS.map(([key, label]) => (l.steps[key] ? `✓ ${label}` : `○ ${label}`)).join(' · ')}</td>
                  <td>
                    <span class="tag">{l.status}</span>
                  </td>
                  <td>
                    {l.status === 'awaiting-approval' ? <PostButton action={`${base}/${l.id}/approve`} csrf={props.csrf} label="Approve" kind="" /> : null}{' '}
                    {l.status === 'open' || l.status === 'awaiting-approval' ? (
                      <PostButton action={`${base}/${l.id}/revoke`} csrf={props.csrf} label="Revoke" kind="danger" />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </fieldset>
  )
}
