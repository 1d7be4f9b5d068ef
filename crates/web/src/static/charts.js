/* zhenxing charts: draws every <div class="chart" data-chart='JSON'> with ECharts.
   JSON: {"title": "…", "unit": "户", "kind": "bar" | "hbar" | "pie" | "line",
          "items": [{"label": "青岩村", "value": 12, "href": "/monitoring/cases?village=…"}]}
   A stacked bar ("kind": "stacked") has {"categories": ["青岩村", …], "series": [{"name": "低保",
   "values": [3, …], "hrefs": ["/lowincome?…", …]}]}: one bar per category, one segment per series.
   Without window.echarts (the script failed to load) nothing is touched: the server-rendered
   fallback and the 查看数据 table stay as they are. Plain ES2017, no build step. */
(function () {
  'use strict';

  // The one palette of every chart: government blue first, then calm companions.
  const PALETTE = ['#1f5fa8', '#4f8fd1', '#2f8f83', '#c98a2b', '#6b5ca5', '#8fb4dc', '#5f6b76', '#b3261e'];
  const FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif';
  const INK = '#1f2933';
  const MUTED = '#5f6b76';
  const LINE = '#d9dee3';

  const charts = [];

  function formatNumber(value) {
    const n = Number(value);
    return Number.isFinite(n) ? n.toLocaleString('zh-CN', { maximumFractionDigits: 2 }) : String(value);
  }

  const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

  // Tooltips are HTML: labels from the data are escaped.
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
  }

  function tip(name, value, unit) {
    return escapeHtml(name) + '：' + formatNumber(value) + (unit ? ' ' + escapeHtml(unit) : '');
  }

  // Only same-site paths are followed ("/…", not "//host" or "javascript:").
  function safeHref(href) {
    return typeof href === 'string' && /^\/(?!\/)/.test(href) ? href : null;
  }

  function buildOption(spec) {
    const unit = spec.unit || '';
    const items = Array.isArray(spec.items) ? spec.items : [];
    const labels = items.map((it) => String(it.label));
    const data = items.map((it) => ({ name: String(it.label), value: Number(it.value) }));
    const clickable = items.some((it) => safeHref(it.href));
    const cursor = clickable ? 'pointer' : 'default';
    const kind = spec.kind || 'bar';

    const option = {
      color: PALETTE,
      textStyle: { fontFamily: FONT, color: INK },
      title: {
        // A page that already heads the chart card asks for no second title ("show_title": false).
        show: spec.show_title !== false,
        text: spec.title ? (unit ? spec.title + '（' + unit + '）' : spec.title) : '',
        left: 0,
        top: 0,
        textStyle: { fontFamily: FONT, fontSize: 15, fontWeight: 'bold', color: INK },
      },
      tooltip: {
        trigger: 'item',
        textStyle: { fontFamily: FONT },
        formatter: (p) => tip(p.name, p.value, unit),
      },
      animationDuration: 400,
    };

    const titled = spec.show_title !== false;
    if (kind === 'pie') {
      const narrow = window.innerWidth < 768;
      option.series = [{
        type: 'pie',
        radius: narrow ? ['28%', '50%'] : ['35%', '62%'],
        center: ['50%', titled ? '56%' : '50%'],
        data: data,
        cursor: cursor,
        // Long category names wrap instead of being cut at the card's edge.
        label: { fontFamily: FONT, color: INK, formatter: '{b}', width: narrow ? 70 : 110, overflow: 'break' },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      }];
      return option;
    }

    if (kind === 'stacked') return stackedOption(spec, option);

    const categoryAxis = {
      type: 'category',
      data: labels,
      axisLine: { lineStyle: { color: LINE } },
      axisTick: { show: false },
      axisLabel: { color: MUTED, fontFamily: FONT },
    };
    const valueAxis = {
      type: 'value',
      // Counts of households and cases: whole-number ticks only.
      minInterval: 1,
      splitLine: { lineStyle: { color: LINE } },
      axisLabel: { color: MUTED, fontFamily: FONT, formatter: formatNumber },
    };
    // Rotated labels hang left of their bar: keep room for the first one.
    option.grid = { left: 24, right: 24, top: titled ? 44 : 16, bottom: 8, containLabel: true };

    if (kind === 'hbar') {
      // First item on top, as in the data table.
      categoryAxis.inverse = true;
      option.xAxis = valueAxis;
      option.yAxis = categoryAxis;
      option.series = [{ type: 'bar', data: data, cursor: cursor, barMaxWidth: 28 }];
    } else if (kind === 'line') {
      categoryAxis.boundaryGap = false;
      option.xAxis = categoryAxis;
      option.yAxis = valueAxis;
      option.tooltip.trigger = 'axis';
      option.tooltip.formatter = (ps) => ps.map((p) => tip(p.name, p.value, unit)).join('<br>');
      option.series = [{ type: 'line', data: data, cursor: cursor, symbolSize: 7, lineStyle: { width: 2 } }];
    } else {
      categoryAxis.axisLabel.interval = 0;
      categoryAxis.axisLabel.rotate = labels.length > 6 ? 30 : 0;
      option.xAxis = categoryAxis;
      option.yAxis = valueAxis;
      option.series = [{ type: 'bar', data: data, cursor: cursor, barMaxWidth: 36 }];
    }
    return option;
  }

  // One bar per category, one coloured segment per series (the legend names them).
  function stackedOption(spec, option) {
    const unit = spec.unit || '';
    const categories = Array.isArray(spec.categories) ? spec.categories.map(String) : [];
    const series = Array.isArray(spec.series) ? spec.series : [];
    const titled = spec.show_title !== false;
    // One legend line (scrolling when the series do not fit) keeps the bars clear of it.
    option.legend = { type: 'scroll', top: titled ? 28 : 0, left: 0, right: 0, textStyle: { fontFamily: FONT, color: INK } };
    option.tooltip = {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      textStyle: { fontFamily: FONT },
      formatter: (ps) => escapeHtml(ps.length ? ps[0].name : '') + '<br>' +
        ps.filter((p) => Number(p.value) > 0).map((p) => tip(p.seriesName, p.value, unit)).join('<br>'),
    };
    option.grid = { left: 24, right: 24, top: titled ? 72 : 40, bottom: 8, containLabel: true };
    option.xAxis = {
      type: 'category',
      data: categories,
      axisLine: { lineStyle: { color: LINE } },
      axisTick: { show: false },
      axisLabel: { color: MUTED, fontFamily: FONT, interval: 0, rotate: categories.length > 6 ? 30 : 0 },
    };
    option.yAxis = {
      type: 'value',
      minInterval: 1,
      splitLine: { lineStyle: { color: LINE } },
      axisLabel: { color: MUTED, fontFamily: FONT, formatter: formatNumber },
    };
    option.series = series.map((s) => ({
      type: 'bar',
      name: String(s.name),
      stack: 'total',
      barMaxWidth: 36,
      cursor: Array.isArray(s.hrefs) && s.hrefs.some(safeHref) ? 'pointer' : 'default',
      data: (Array.isArray(s.values) ? s.values : []).map(Number),
    }));
    return option;
  }

  // The link of a clicked bar, pie slice or stacked segment.
  function hrefOf(spec, items, p) {
    if (spec.kind === 'stacked') {
      const s = Array.isArray(spec.series) ? spec.series[p.seriesIndex] : null;
      return s && Array.isArray(s.hrefs) ? safeHref(s.hrefs[p.dataIndex]) : null;
    }
    const item = items[p.dataIndex];
    return item ? safeHref(item.href) : null;
  }

  function render(el) {
    if (window.echarts.getInstanceByDom(el)) return;
    let spec;
    try {
      spec = JSON.parse(el.getAttribute('data-chart'));
    } catch (e) {
      console.warn('chart: bad data-chart JSON', e);
      return;
    }
    const items = Array.isArray(spec.items) ? spec.items : [];
    // The server's fallback content goes; the chart takes its place.
    el.textContent = '';
    if (spec.title) {
      el.setAttribute('role', 'img');
      el.setAttribute('aria-label', spec.unit ? spec.title + '（' + spec.unit + '）' : spec.title);
    }
    const chart = window.echarts.init(el, null, { renderer: 'svg', locale: 'ZH' });
    chart.setOption(buildOption(spec));
    chart.on('click', (p) => {
      const href = hrefOf(spec, items, p);
      if (href) window.location.href = href;
    });
    charts.push(chart);
  }

  function renderAll(root) {
    if (!window.echarts) return;
    if (root.matches && root.matches('div.chart[data-chart]')) render(root);
    root.querySelectorAll('div.chart[data-chart]').forEach(render);
  }

  let resizeQueued = false;
  window.addEventListener('resize', () => {
    if (resizeQueued) return;
    resizeQueued = true;
    window.requestAnimationFrame(() => {
      resizeQueued = false;
      // Charts whose element left the page (an htmx swap) are let go.
      for (let i = charts.length - 1; i >= 0; i--) {
        if (charts[i].getDom().isConnected) {
          charts[i].resize();
        } else {
          charts[i].dispose();
          charts.splice(i, 1);
        }
      }
    });
  });

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => renderAll(document));
  } else {
    renderAll(document);
  }
  // Content swapped in by htmx gets its charts too.
  document.addEventListener('htmx:load', (e) => {
    if (e.target && e.target.querySelectorAll) renderAll(e.target);
  });
})();
