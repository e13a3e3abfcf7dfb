export const DEFAULT_SERVER = 'http://127.0.0.1:8787'
export const SERVER_KEY = 'gridpatrol.server'
/** Page size of the case list's infinite scroll. */
export const PAGE_SIZE = 30

/** The duplicate hint's radius around a new report, in metres. */
export const NEARBY_RADIUS_M = 50
