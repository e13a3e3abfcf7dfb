/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

interface ImportMetaEnv {
  /** "1" in `--mode mock`: install the in-memory dev backend. */
  readonly VITE_MOCK?: string
}
