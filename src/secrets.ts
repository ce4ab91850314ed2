/**
 * The master secret every request needs (SSO_SECRET: seals keys at rest, keys cookie MACs and
 * pairwise NameIDs). A missing or short one is refused loudly rather than used: HKDF would derive
 * keys from an empty secret just as happily, and every MAC would be forgeable.
 */
import { AppError } from './errors'

/** 32 random bytes, as `openssl rand -base64 32` or the dev stack makes them, are 43–44 characters. */
export const MIN_SSO_SECRET_CHARS = 32

export function requireSsoSecret(value: string | undefined): string {
  if (typeof value !== 'string' || value.length < MIN_SSO_SECRET_CHARS)
    throw new AppError(
      'CONFIG_MISSING_SECRET',
      `SSO_SECRET is ${value ? `only ${value.length} characters` : 'not set'}; it needs at least ${MIN_SSO_SECRET_CHARS}.`,
    )
  return value
}
