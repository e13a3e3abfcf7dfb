// Trust on first use: what the login screen must ask before sending a
// password to a server, decided from `server_probe`'s answer.
import type { ServerProbe } from '../generated'

/**
 * - `first_contact`: https, nothing pinned yet: the user compares the fingerprint with the administrator's.
 * - `pin_changed`: https, a different certificate than the pinned one: possibly an impostor.
 * - `pinned`: https, the pinned certificate: no question.
 * - `insecure`: plain http to another machine: passwords would travel unencrypted.
 * - `loopback`: plain http to this machine: no question.
 */
export type TrustStep = 'first_contact' | 'pin_changed' | 'pinned' | 'insecure' | 'loopback'

export function trustStep(p: ServerProbe): TrustStep {
  if (p.https) {
    if (p.pinned === null) return 'first_contact'
    return p.pinned === p.fingerprint ? 'pinned' : 'pin_changed'
  }
  return p.loopback ? 'loopback' : 'insecure'
}

/** The login options a step leads to once the user has agreed (if a question was asked). */
export function trustChoice(p: ServerProbe): { pin: string | null; allow_insecure_http: boolean } {
  const step = trustStep(p)
  return { pin: p.https ? p.fingerprint : null, allow_insecure_http: step === 'insecure' }
}

/** Whether the user must agree to something before the login goes ahead. */
export function needsConsent(step: TrustStep): boolean {
  return step === 'first_contact' || step === 'pin_changed' || step === 'insecure'
}

/**
 * A fingerprint `AB:CD:EF:01:…` in groups of two bytes for reading aloud over
 * the phone: `ABCD EF01 …` (SHA-256: 16 groups).
 */
export function fingerprintGroups(fp: string): string[] {
  const hex = fp.replace(/[^0-9a-f]/gi, '').toUpperCase()
  return hex.match(/.{1,4}/g) ?? []
}
