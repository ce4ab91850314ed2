/**
 * Every size, depth and time limit the SAML core enforces, defined once. Callers (routes, body
 * limits, the admin input parser) import them from here or from index.ts, never restate them.
 * Pure constants: no behaviour, no imports.
 */

/** Largest accepted XML message, in UTF-8 bytes (a signed SAML Response is a few KiB; margin for certs and groups). */
export const MAX_XML_BYTES = 256 * 1024

/** Deepest accepted element nesting; real SAML is ~12 deep, recursion elsewhere must not overflow. */
export const MAX_XML_DEPTH = 128

/** Upper bound for an inflated HTTP-Redirect message (bindings §3.4.4.1: DEFLATE has no size of its own). */
export const MAX_INFLATED_BYTES = 256 * 1024

/** Metadata aggregates are far larger than protocol messages (the SWAMID test aggregate is 145 KB). */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024

/**
 * Longest base64 text of a message of MAX_XML_BYTES: base64 grows 4/3 and MIME line breaks (76
 * columns + CRLF) add under 3 %. Checked on the raw text before any regex or decoding work.
 */
export const MAX_BASE64_MESSAGE_CHARS = Math.ceil((MAX_XML_BYTES * 4) / 3 / 76) * 78 + 4

/** Clock difference tolerated with the IdP (DESIGN.md: default 3 min). */
export const DEFAULT_CLOCK_SKEW_SECONDS = 180

/** Upper bound for a configured skew (the admin API's bound too): beyond this, time checks mean little. */
export const MAX_CLOCK_SKEW_SECONDS = 900
