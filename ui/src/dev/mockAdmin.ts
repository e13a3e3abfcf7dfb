import type { ErrorCode } from '../generated/ErrorCode'
// DEV ONLY (`npm run dev:mock`): the admin commands of the fake backend
// (ui/CONTRACT-office.md). Online only (`localStorage['mock.offline'] = '1'`
// makes them fail with `offline`), admin role only, every action audited.
import type { AdminDevice, AdminUser, AuditEntry, AuditQuery, Category, ImportSummary, NewUser, OrgUnit, RatingRules, Reference, Role, SessionInfo, User } from '../generated'
import { categoryProblem, ROLES, unitChoices, unitsValid, validUsername } from '../lib/admin'
import { rulesProblem } from '../lib/rating'

const HOUR = 3_600_000
const DAY = 24 * HOUR

export interface AdminCtx {
  reference: Reference
  user(): User | undefined
  session(): SessionInfo | null
  fail(code: ErrorCode, message: string): never
  online(): boolean
}

interface Login {
  disabled: boolean
  must_change: boolean
  last_seen_at: number | null
}

/** A readable one-time password: no 0/O, 1/l/I. */
function oneTimePassword(): string {
  const chars = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  return Array.from({ length: 12 }, () => chars[Math.floor(Math.random() * chars.length)]).join('')
}

export function createAdmin(ctx: AdminCtx) {
  const now0 = Date.now()
  const logins = new Map<string, Login>()
  ctx.reference.users.forEach((u, i) => logins.set(u.username, { disabled: false, must_change: false, last_seen_at: i % 5 === 4 ? null : now0 - (i + 1) * 3 * HOUR }))
  const devices: AdminDevice[] = ctx.reference.users
    .filter((_, i) => i % 5 !== 4)
    .map((u, i) => ({
      id: `dev-${u.username}-${(1000 + i * 37).toString(36)}`, name: i % 3 ? `${u.name}的手机` : `Android ${u.name}`, first_user: u.id, last_user: u.id,
      created_at: now0 - (40 + i) * DAY, last_used_at: now0 - (i + 1) * 3 * HOUR, revoked_at: null,
    }))
  devices.push({ id: 'dev-lost-7f3a', name: '旧手机（已丢失）', first_user: 'u-worker2', last_user: 'u-worker2', created_at: now0 - 200 * DAY, last_used_at: now0 - 90 * DAY, revoked_at: now0 - 88 * DAY })
  const log: AuditEntry[] = []

  function audit(e: Omit<AuditEntry, 'at' | 'addr'> & { at?: number }): void {
    log.push({ at: e.at ?? Date.now(), addr: '192.168.1.23', ...e })
  }
  // Some history to page through.
  for (let i = 0; i < 120; i++) {
    const u = ctx.reference.users[i % ctx.reference.users.length]
    const action = i % 11 === 0 ? 'login_failed' : i % 7 === 0 ? 'refused:out_of_scope' : i % 3 === 0 ? 'login' : 'push'
    audit({ at: now0 - (120 - i) * 2 * HOUR, user_id: action === 'login_failed' ? '' : u.id, device_id: `dev-${u.username}`, action, subject: action === 'push' ? `case-${i.toString(36)}` : u.username, detail: action === 'push' ? '1 document' : '' })
  }

  const adminUser = (u: User): AdminUser => {
    const l = logins.get(u.username) ?? { disabled: false, must_change: true, last_seen_at: null }
    return { ...u, units: [...u.units], ...l, devices: devices.filter((d) => d.revoked_at === null && d.last_user === u.id).length }
  }
  const byName = (username: string) => ctx.reference.users.find((u) => u.username === username) ?? ctx.fail('not_found', `no user ${username}`)
  const actor = () => {
    const s = ctx.session()
    return { user_id: s?.user_id ?? '', device_id: s?.device_id ?? '' }
  }

  function addUser(n: NewUser): { user: AdminUser; password: string } {
    if (!validUsername(n.username)) ctx.fail('invalid', `bad user name ${n.username}`)
    if (ctx.reference.users.some((u) => u.username === n.username)) ctx.fail('already_exists', `user ${n.username} exists`)
    if (!n.name.trim() || !ROLES.includes(n.role as Role)) ctx.fail('invalid', 'a user needs a name and a role')
    const allowed = new Set(unitChoices(ctx.reference, n.role).map((c) => c.id))
    if (!unitsValid(n.role, n.units) || n.units.some((x) => !allowed.has(x))) ctx.fail('invalid', `units ${n.units.join(',')} do not fit the role ${n.role}`)
    const u: User = { id: `u-${n.username}`, username: n.username, name: n.name.trim(), role: n.role, units: [...n.units] }
    ctx.reference.users.push(u)
    const password = oneTimePassword()
    logins.set(u.username, { disabled: false, must_change: true, last_seen_at: null })
    audit({ ...actor(), action: 'admin:user_add', subject: u.username, detail: `${u.role} ${u.units.join(',')}` })
    return { user: adminUser(u), password }
  }

  function importOrg(grids: string | null, streets: string | null, dryRun: boolean): ImportSummary {
    const parse = (layer: string, text: string) => {
      try {
        const fc = JSON.parse(text) as { type?: string; features?: Array<{ geometry?: unknown; properties?: Record<string, unknown> }> }
        if (fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw new Error('not a FeatureCollection')
        return fc.features
      } catch (e) {
        return ctx.fail('invalid', `the ${layer} layer is not a GeoJSON FeatureCollection: ${(e as Error).message}`)
      }
    }
    const units = ctx.reference.org.units
    const summary: ImportSummary = { grids_added: [], boundaries_replaced: [], streets_replaced: [], street_lines: 0 }
    const added: OrgUnit[] = []
    for (const [i, f] of (grids ? parse('grids', grids) : []).entries()) {
      const id = String(f.properties?.id ?? '')
      const known = units.find((u) => u.id === id && u.kind === 'grid')
      if (!id) ctx.fail('invalid', `grids feature ${i}: no id`)
      if (known) summary.boundaries_replaced.push(id)
      else {
        const parent = String(f.properties?.parent ?? '')
        if (!units.some((u) => u.id === parent)) ctx.fail('invalid', `grids feature ${i} (${id}): unknown parent ${parent}`)
        summary.grids_added.push(id)
        added.push({ id, parent, kind: 'grid', name: String(f.properties?.name ?? id), grid_kind: 'urban', dedicated_to: null, streets: [], boundary: f.geometry ?? null, street_lines: [] })
      }
    }
    const streetGrids = new Set<string>()
    for (const [i, f] of (streets ? parse('streets', streets) : []).entries()) {
      const grid = String(f.properties?.grid ?? '')
      if (!units.some((u) => u.id === grid) && !summary.grids_added.includes(grid)) ctx.fail('invalid', `streets feature ${i}: unknown grid ${grid}`)
      streetGrids.add(grid)
      summary.street_lines += 1
    }
    summary.streets_replaced = [...streetGrids].sort()
    if (!dryRun) {
      units.push(...added)
      audit({ ...actor(), action: 'admin:org_import', subject: 'reference', detail: `${summary.grids_added.length} new, ${summary.boundaries_replaced.length} boundaries, ${summary.street_lines} street lines` })
    }
    return summary
  }

  function handle(cmd: string, args: Record<string, unknown>): { value: unknown } | null {
    if (!cmd.startsWith('admin_')) return null
    if (!ctx.online()) ctx.fail('offline', 'the server cannot be reached')
    if (ctx.user()?.role !== 'admin') ctx.fail('admin_only', 'only administrators may do this')
    const value = (v: unknown) => ({ value: v })
    switch (cmd) {
      case 'admin_users':
        return value(ctx.reference.users.map(adminUser))
      case 'admin_user_add':
        return value(addUser(args.user as NewUser))
      case 'admin_user_set_disabled': {
        const u = byName(String(args.username))
        if (u.id === ctx.session()?.user_id && args.disabled) ctx.fail('invalid', 'you cannot disable yourself')
        const l = logins.get(u.username)!
        l.disabled = !!args.disabled
        audit({ ...actor(), action: l.disabled ? 'admin:disable' : 'admin:enable', subject: u.username, detail: '' })
        return value(adminUser(u))
      }
      case 'admin_user_reset_password': {
        const u = byName(String(args.username))
        logins.set(u.username, { ...logins.get(u.username)!, must_change: true })
        audit({ ...actor(), action: 'admin:password', subject: u.username, detail: 'one-time' })
        return value({ user: adminUser(u), password: oneTimePassword() })
      }
      case 'admin_devices':
        return value(devices)
      case 'admin_device_revoke': {
        const d = devices.find((x) => x.id === args.id) ?? ctx.fail('not_found', `no device ${String(args.id)}`)
        if (d.id === ctx.session()?.device_id) ctx.fail('invalid', 'you cannot revoke the device you are using')
        d.revoked_at ??= Date.now()
        audit({ ...actor(), action: 'admin:revoke_device', subject: d.id, detail: '' })
        return value(d)
      }
      case 'admin_categories':
        return value(ctx.reference.categories)
      case 'admin_category_add': {
        const c = args.category as Category
        const dict = ctx.reference.categories
        const problem = categoryProblem(c, dict.categories)
        if (problem === 'admin.categories.taken') ctx.fail('already_exists', `category ${c.id} exists`)
        if (problem || c.id !== `${c.kind === 'event' ? 'E' : 'C'}${c.code}`) ctx.fail('invalid', `category ${c.id}: ${problem ?? 'id does not match kind and code'}`)
        dict.categories.push({ ...c, local: true })
        dict.version += 1
        audit({ ...actor(), action: 'admin:category_add', subject: c.id, detail: `${c.major_name} ${c.name}, version ${dict.version}` })
        return value(dict)
      }
      case 'admin_org_import':
        return value(importOrg((args.grids as string | null) ?? null, (args.streets as string | null) ?? null, !!args.dry_run))
      case 'admin_rating_rules':
        return value(ctx.reference.rating_rules)
      case 'admin_rating_rules_set': {
        const rules = args.rules as RatingRules
        if (rulesProblem(rules)) ctx.fail('invalid', 'a threshold is out of range')
        ctx.reference.rating_rules = rules
        audit({ ...actor(), action: 'admin:rating_rules', subject: 'reference', detail: `${rules.red.length} red, ${rules.yellow.length} yellow, min ${rules.min_sample}` })
        return value(rules)
      }
      case 'admin_audit': {
        const q = args.query as AuditQuery
        const hits = log
          .filter((e) => (!q.user_id || e.user_id === q.user_id) && (!q.device_id || e.device_id === q.device_id))
          .filter((e) => (q.since === null || e.at >= q.since) && (q.until === null || e.at < q.until))
          .filter((e) => !q.action_prefix || e.action.startsWith(q.action_prefix))
          .sort((a, b) => b.at - a.at)
        const limit = Math.min(500, q.limit || 50)
        return value({ items: hits.slice(q.offset, q.offset + limit), has_more: q.offset + limit < hits.length })
      }
      default:
        return ctx.fail('unknown', `mock: no command ${cmd}`)
    }
  }

  /** A disabled user cannot log in. */
  const disabled = (username: string) => !!logins.get(username)?.disabled
  /** A new or reset user logs in with a one-time password and must set their own. */
  const mustChange = (username: string) => !!logins.get(username)?.must_change
  const passwordSet = (username: string) => {
    const l = logins.get(username)
    if (l) l.must_change = false
  }
  return { audit, handle, disabled, mustChange, passwordSet }
}
