/**
 * The broker's own URLs on this origin: its entity ID (the metadata URL, as helpdesks expect),
 * its SSO and SLO endpoints. The only place they are spelled out.
 */

export interface BrokerEndpoints {
  entityId: string
  ssoUrl: string
  sloUrl: string
}

export function brokerEndpoints(origin: string): BrokerEndpoints {
  return { entityId: `${origin}/sso/idp/metadata`, ssoUrl: `${origin}/sso/idp/sso`, sloUrl: `${origin}/sso/idp/slo` }
}
