// The user's own password, set after logging in with a one-time password.

/** The server's minimum (see the `weak_password` error). */
export const MIN_PASSWORD_LENGTH = 8

export type NewPasswordProblem = 'short' | 'mismatch' | 'same'

/** What is wrong with a new password and its repetition, before asking the server. */
export function newPasswordProblem(password: string, again: string, oneTime: string): NewPasswordProblem | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return 'short'
  if (password !== again) return 'mismatch'
  if (password === oneTime) return 'same'
  return null
}
