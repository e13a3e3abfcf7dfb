// The one and only bridge to Rust. Every Tauri command the UI uses is a
// typed function here; views and stores never call `invoke` themselves.
import { convertFileSrc, invoke, type InvokeArgs } from '@tauri-apps/api/core'
import { listen, type UnlistenFn } from '@tauri-apps/api/event'
import type {
  CaseDetail,
  CasePage,
  Category,
  CategoryDictionary,
  GridStats,
  ImportSummary,
  LocationFix,
  NewEvent,
  PatrolKind,
  PatrolListItem,
  PhotoPick,
  RatingRules,
  Reference,
  SessionInfo,
  StagedPhoto,
  SyncProgress,
  SyncReport,
  UnsyncedSummary,
} from './generated'
import type { BasemapSettings, CaseFilter, LatLon, MapCrs, MapLayers, MapQuery, NearbyCase, NewCase, PatrolDetail, PatrolHistoryFilter, PatrolHistoryItem } from './generated'
import type { AdminDevice, AdminUser, AuditPage, AuditQuery, CaseExportFormat, Dashboard, DashboardQuery, ExportResult, NewUser, OneTimePassword } from './generated'
import type { AutoSyncStatus, LogoutResult, ServerProbe, WaitingWork, WipeReport } from './generated'

/** How a login trusts the server (see `server_probe`) and, after a one-time password, the user's own new one. */
export interface LoginOptions {
  /** Set after `password_change_required`: the password the user chose. */
  new_password: string | null
  /** https: the certificate fingerprint the user confirmed (or the one pinned before). */
  pin: string | null
  /** Plain http to a server that is not this machine, after the user was warned. */
  allow_insecure_http: boolean
}

/** A login that trusts nothing beyond what Rust checks anyway. */
export const PLAIN_LOGIN: LoginOptions = { new_password: null, pin: null, allow_insecure_http: false }

/** How every command failure reaches the UI. */
export interface BackendError {
  code: string
  message: string
}

export function isBackendError(e: unknown): e is BackendError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as Record<string, unknown>).code === 'string' &&
    typeof (e as Record<string, unknown>).message === 'string'
  )
}

/** Normalises whatever a rejected `invoke` gave us into `{code, message}`. */
export function toBackendError(e: unknown): BackendError {
  if (isBackendError(e)) return { code: e.code, message: e.message }
  if (typeof e === 'string') return { code: 'unknown', message: e }
  if (e instanceof Error) {
    // Outside Tauri (plain browser, tests without a mock) there is no IPC bridge.
    const noBridge = /__TAURI_INTERNALS__|reading 'invoke'|transformCallback/.test(e.message)
    return { code: noBridge ? 'no_backend' : 'unknown', message: e.message }
  }
  if (typeof e === 'object' && e !== null) {
    const o = e as Record<string, unknown>
    const message = typeof o.message === 'string' ? o.message : JSON.stringify(e)
    return { code: typeof o.code === 'string' ? o.code : 'unknown', message }
  }
  return { code: 'unknown', message: String(e) }
}

async function call<T>(cmd: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(cmd, args)
  } catch (e) {
    throw toBackendError(e)
  }
}

export const backend = {
  sessionGet: () => call<SessionInfo | null>('session_get'),
  /** Rust's clock (the same as the system's, except under a test clock). */
  clockNow: () => call<number>('clock_now'),
  /** What a server is before logging in: https or not, its certificate's fingerprint, the pin kept for it. */
  serverProbe: (server: string) => call<ServerProbe>('server_probe', { server }),
  login: (server: string, username: string, password: string, options: LoginOptions = PLAIN_LOGIN) =>
    call<SessionInfo>('login', { server, username, password, ...options }),
  /** `revoked: false`: offline; Rust revokes the token at the next contact. */
  logout: () => call<LogoutResult>('logout'),
  /** Other people's unsynced work on this device (the logged-in user excluded). */
  waitingWork: () => call<WaitingWork[]>('waiting_work'),
  referenceGet: () => call<Reference>('reference_get'),

  casesList: (filter: CaseFilter) => call<CasePage>('cases_list', { filter }),
  caseGet: (id: string) => call<CaseDetail>('case_get', { id }),
  caseCreate: (newCase: NewCase) => call<CaseDetail>('case_create', { new_case: newCase }),
  caseAppendEvent: (id: string, event: NewEvent) => call<CaseDetail>('case_append_event', { id, event }),
  caseAttachPhotos: (id: string, photos: PhotoPick[]) => call<CaseDetail>('case_attach_photos', { id, photos }),
  gridStats: () => call<GridStats[]>('grid_stats'),

  /** The raw file bytes go as the request body, not as JSON. */
  photoStage: (bytes: Uint8Array) => call<StagedPhoto>('photo_stage', bytes),
  photoFetch: (hash: string) => call<null>('photo_fetch', { hash }),

  patrolStart: (kind: PatrolKind, grid: string, team: string[]) =>
    call<PatrolDetail>('patrol_start', { kind, grid, team }),
  patrolActive: () => call<PatrolDetail | null>('patrol_active'),
  patrolGet: (id: string) => call<PatrolDetail>('patrol_get', { id }),
  patrolCheckStreet: (id: string, street: string, note: string) =>
    call<PatrolDetail>('patrol_check_street', { id, street, note }),
  /** Ends the whole patrol (every member's part). */
  patrolEnd: (id: string, note: string) => call<PatrolDetail>('patrol_end', { id, note }),
  patrolsList: () => call<PatrolListItem[]>('patrols_list'),
  /** Team patrols: join one from the synced list of today's patrols. */
  patrolJoin: (id: string) => call<PatrolDetail>('patrol_join', { id }),
  /** Join offline with the code shown on the starter's phone (upper case, no separators). */
  patrolJoinCode: (code: string) => call<PatrolDetail>('patrol_join_code', { code }),
  /** Open patrols of the user's grids today, synced from the team. */
  patrolsTeamToday: () => call<PatrolHistoryItem[]>('patrols_team_today'),
  /** Ends only the caller's part; the patrol ends when the last member's part ends. */
  patrolEndPart: (id: string, note: string) => call<PatrolDetail>('patrol_end_part', { id, note }),
  patrolHistory: (filter: PatrolHistoryFilter) => call<PatrolHistoryItem[]>('patrol_history', { filter }),

  /** Everything to draw, already in the basemap's display CRS. */
  mapLayers: (query: MapQuery) => call<MapLayers>('map_layers', { query }),
  /** A WGS-84 position (a GPS fix) → display coordinates. */
  mapFromWgs84: (crs: MapCrs, lat: number, lon: number) => call<LatLon>('map_from_wgs84', { crs, lat, lon }),
  /** Display coordinates (a dragged pin) → WGS-84. */
  mapToWgs84: (crs: MapCrs, lat: number, lon: number) => call<LatLon>('map_to_wgs84', { crs, lat, lon }),
  basemapGet: () => call<BasemapSettings>('basemap_get'),
  /** The basemaps the office configured and the archives imported on this device (not `none`). */
  basemapOptions: () => call<BasemapSettings[]>('basemap_options'),
  basemapSet: (settings: BasemapSettings) => call<BasemapSettings>('basemap_set', { settings }),

  /** Open cases of the category within `radius_m` of a WGS-84 point, and closed ones still in look-back. */
  casesNearby: (category: string, lat: number, lon: number, radiusM: number) =>
    call<NearbyCase[]>('cases_nearby', { category, lat, lon, radius_m: radiusM }),
  /** Adds a note and/or photos to an existing case (instead of reporting it again). */
  caseAddEvidence: (id: string, note: string, photos: PhotoPick[]) =>
    call<CaseDetail>('case_add_evidence', { id, note, photos }),

  /** The pluggable source in Rust first (GPX replay or a pinned position on
   *  desktop); otherwise the platform's own geolocation (phones). */
  locationCurrent: async (): Promise<LocationFix | null> =>
    (await call<LocationFix | null>('location_current')) ?? platformLocation(),

  /** Waits for a run that includes everything saved so far (joins an automatic run). */
  syncNow: () => call<SyncReport>('sync_now'),
  syncUnsynced: () => call<UnsyncedSummary>('sync_unsynced'),
  /** The automatic sync's state (also pushed as the `sync-status` event). */
  syncStatus: () => call<AutoSyncStatus>('sync_status'),
  /** The network is back (the window's `online` event): Rust starts a run at once. */
  syncNetworkUp: () => call<null>('sync_network_up'),

  // --- the office (issue 11, ui/CONTRACT-office.md) ---

  /** KPIs, ratings and overdue counts: from the server when it answers, else from the device's copy (labelled). */
  dashboardGet: (query: DashboardQuery) => call<Dashboard>('dashboard_get', { query }),
  /** 巡查日志 XLSX of one grid and day (`YYYY-MM-DD`); Rust asks where to save it. null: the user cancelled. */
  exportPatrolLog: (grid: string, day: string) => call<ExportResult | null>('export_patrol_log', { grid, day }),
  /** The monthly KPI and rating report XLSX (`month`: `YYYY-MM`). null: cancelled. */
  exportKpiReport: (month: string) => call<ExportResult | null>('export_kpi_report', { month }),
  /** The cases matching a filter (paging ignored) as CSV (UTF-8 with BOM) or GeoJSON. null: cancelled. */
  exportCases: (format: CaseExportFormat, filter: CaseFilter) =>
    call<ExportResult | null>('export_cases', { format, filter }),

  // Administration: admin role only, online only, every action audited on the server.
  adminUsers: () => call<AdminUser[]>('admin_users'),
  /** Adds a user to the reference data; the answer carries a one-time password to show once. */
  adminUserAdd: (user: NewUser) => call<OneTimePassword>('admin_user_add', { user }),
  adminUserSetDisabled: (username: string, disabled: boolean) =>
    call<AdminUser>('admin_user_set_disabled', { username, disabled }),
  /** A new one-time password; every token of the user is revoked. */
  adminUserResetPassword: (username: string) => call<OneTimePassword>('admin_user_reset_password', { username }),
  adminDevices: () => call<AdminDevice[]>('admin_devices'),
  adminDeviceRevoke: (id: string) => call<AdminDevice>('admin_device_revoke', { id }),
  /** The server's category dictionary (newer than the device's until the next sync). */
  adminCategories: () => call<CategoryDictionary>('admin_categories'),
  /** Adds a local extension (`local: true`); the dictionary version bumps. */
  adminCategoryAdd: (category: Category) => call<CategoryDictionary>('admin_category_add', { category }),
  /** Imports GIS layers (GeoJSON texts; either may be null). `dry_run`: only report what would change. */
  adminOrgImport: (grids: string | null, streets: string | null, dryRun: boolean) =>
    call<ImportSummary>('admin_org_import', { grids, streets, dry_run: dryRun }),
  /** The server's rating rules. */
  adminRatingRules: () => call<RatingRules>('admin_rating_rules'),
  adminRatingRulesSet: (rules: RatingRules) => call<RatingRules>('admin_rating_rules_set', { rules }),
  adminAudit: (query: AuditQuery) => call<AuditPage>('admin_audit', { query }),
}

export type Backend = typeof backend

/** A fix from the web view's geolocation, or null when there is none in time. */
export function platformLocation(timeoutMs = 8000): Promise<LocationFix | null> {
  const geo = typeof navigator !== 'undefined' ? navigator.geolocation : undefined
  if (!geo) return Promise.resolve(null)
  return new Promise((resolve) => {
    geo.getCurrentPosition(
      (p) =>
        resolve({
          lat: p.coords.latitude,
          lon: p.coords.longitude,
          accuracy_m: Number.isFinite(p.coords.accuracy) ? p.coords.accuracy : null,
          source: 'gps',
          at: p.timestamp,
        }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30_000 },
    )
  })
}

/** URL of a stored photo or thumbnail, served by Rust's `photo` protocol. */
export function photoUrl(hash: string, attempt = 0): string {
  const url = convertFileSrc(hash, 'photo')
  return attempt > 0 ? `${url}?try=${attempt}` : url
}

/** Subscribes to a Tauri event; resolves to the unsubscribe function (a no-op outside Tauri). */
async function subscribe<T>(event: string, cb: (payload: T) => void): Promise<UnlistenFn> {
  try {
    return await listen<T>(event, (e) => cb(e.payload))
  } catch {
    return () => {}
  }
}

/** Live progress of any sync run, automatic or manual. */
export function onSyncProgress(cb: (p: SyncProgress) => void): Promise<UnlistenFn> {
  return subscribe('sync-progress', cb)
}

/** The automatic sync's state, on every change (a run starts, ends, fails). */
export function onSyncStatus(cb: (s: AutoSyncStatus) => void): Promise<UnlistenFn> {
  return subscribe('sync-status', cb)
}

/** The administrator revoked this device: confirmed records were wiped, the session is over. */
export function onDeviceRevoked(cb: (r: WipeReport) => void): Promise<UnlistenFn> {
  return subscribe('device-revoked', cb)
}
