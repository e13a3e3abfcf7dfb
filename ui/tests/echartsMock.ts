// jsdom has no canvas: vue-echarts is a stub that keeps the option it got and
// lets a test emit a chart click (`findComponent({ name: 'VChart' }).vm.$emit('click', { dataIndex })`).
import { defineComponent, h } from 'vue'

export const THEME_KEY = 'ecTheme'

export default defineComponent({
  name: 'VChart',
  props: { option: { type: Object, required: true }, autoresize: Boolean, initOptions: Object },
  emits: ['click'],
  setup(props) {
    return () => h('div', { class: 'echarts-stub', 'data-series': String((props.option.series as unknown[] | undefined)?.length ?? 0) })
  },
})
