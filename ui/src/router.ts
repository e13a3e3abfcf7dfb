import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { useSessionStore } from './stores/session'
import LoginView from './views/LoginView.vue'
import TodayView from './views/TodayView.vue'
import PatrolView from './views/PatrolView.vue'
import PatrolSummaryView from './views/PatrolSummaryView.vue'
import ReportView from './views/ReportView.vue'
import CasesView from './views/CasesView.vue'
import CaseDetailView from './views/CaseDetailView.vue'
import LookbackView from './views/LookbackView.vue'
import OverviewView from './views/OverviewView.vue'
import SyncView from './views/SyncView.vue'
import SettingsView from './views/SettingsView.vue'
import MapPageView from './views/MapPageView.vue'
import PatrolHistoryView from './views/PatrolHistoryView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean
    /** Shows the bottom tab bar. */
    tab?: boolean
    /** Only for leaders. */
    leader?: boolean
    /** Only for administrators. */
    admin?: boolean
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/today' },
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  { path: '/today', name: 'today', component: TodayView, meta: { tab: true } },
  { path: '/patrol/:id', name: 'patrol', component: PatrolView, props: true },
  { path: '/patrol/:id/summary', name: 'patrol-summary', component: PatrolSummaryView, props: true },
  { path: '/patrols', name: 'patrol-history', component: PatrolHistoryView },
  { path: '/map', name: 'map', component: MapPageView },
  { path: '/report', name: 'report', component: ReportView },
  { path: '/cases', name: 'cases', component: CasesView, meta: { tab: true } },
  { path: '/cases/:id', name: 'case', component: CaseDetailView, props: true },
  { path: '/lookback', name: 'lookback', component: LookbackView, meta: { tab: true } },
  { path: '/overview', name: 'overview', component: OverviewView, meta: { tab: true, leader: true } },
  // The office screens load on first use (ECharts is a chunk of its own).
  { path: '/dashboard', name: 'dashboard', component: () => import('./views/DashboardView.vue'), meta: { leader: true } },
  { path: '/admin', name: 'admin', component: () => import('./views/admin/AdminHomeView.vue'), meta: { admin: true } },
  { path: '/admin/users', name: 'admin-users', component: () => import('./views/admin/AdminUsersView.vue'), meta: { admin: true } },
  { path: '/admin/devices', name: 'admin-devices', component: () => import('./views/admin/AdminDevicesView.vue'), meta: { admin: true } },
  { path: '/admin/categories', name: 'admin-categories', component: () => import('./views/admin/AdminCategoriesView.vue'), meta: { admin: true } },
  { path: '/admin/org', name: 'admin-org', component: () => import('./views/admin/AdminOrgView.vue'), meta: { admin: true } },
  { path: '/admin/rules', name: 'admin-rules', component: () => import('./views/admin/AdminRulesView.vue'), meta: { admin: true } },
  { path: '/admin/audit', name: 'admin-audit', component: () => import('./views/admin/AdminAuditView.vue'), meta: { admin: true } },
  { path: '/sync', name: 'sync', component: SyncView, meta: { tab: true } },
  { path: '/settings', name: 'settings', component: SettingsView },
  { path: '/:rest(.*)*', redirect: '/today' },
]

export const router = createRouter({
  // Hash history: Tauri serves index.html only at the root.
  history: createWebHashHistory(),
  routes,
})

router.beforeEach(async (to) => {
  const s = useSessionStore()
  await s.init()
  if (!s.session && !to.meta.public) return { name: 'login' }
  if (s.session && to.name === 'login') return { name: 'today' }
  if (to.meta.leader && !s.leader) return { name: 'today' }
  if (to.meta.admin && s.role !== 'admin') return { name: 'today' }
  return true
})
