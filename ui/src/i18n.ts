import { createI18n } from 'vue-i18n'
import { Locale } from 'vant'
import vantZh from 'vant/es/locale/lang/zh-CN'
import vantEn from 'vant/es/locale/lang/en-US'
import zhCN from './locales/zh-CN'
import enUS from './locales/en-US'

export type AppLocale = 'zh-CN' | 'en-US'
export const LOCALES: readonly AppLocale[] = ['zh-CN', 'en-US']
const KEY = 'gridpatrol.locale'

export function savedLocale(): AppLocale {
  const v = globalThis.localStorage?.getItem(KEY)
  return v === 'en-US' ? 'en-US' : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: savedLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, 'en-US': enUS },
  missingWarn: false,
  fallbackWarn: false,
})

export function setLocale(l: AppLocale): void {
  i18n.global.locale.value = l
  Locale.use(l, l === 'en-US' ? vantEn : vantZh)
  globalThis.localStorage?.setItem(KEY, l)
  document.documentElement.lang = l
}

setLocale(savedLocale())
