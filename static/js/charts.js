// The dashboards' charts, drawn with the vendored Apache ECharts (static/vendor/echarts/).
//
// Each chart is a container `.dashboard-chart[data-spec]` (templates/evaluation/partials/chart.html)
// whose `data-spec` names a <script type="application/json"> element written by Django's json_script:
// the chart's numbers and labels (evaluation/charts.py). This file turns a spec into ECharts options
// by its `kind`, draws it as SVG, and redraws on resize. The table under each chart holds the same
// numbers, so a page without JavaScript (or without a map's geometry) still says everything.
(function () {
  "use strict";

  var PALETTE = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997", "#6c757d"];
  var NARROW = 576;
  var drawn = [];

  function escape(text) {
    return window.echarts.format.encodeHTML(String(text));
  }

  function isNarrow(el) {
    return el.clientWidth < NARROW;
  }

  function legend() {
    // One line that scrolls: wrapping legends would push into the plot on a phone.
    return { type: "scroll", top: 0, left: 0, right: 0 };
  }

  var builders = {
    // Bars per month (counts) and a line for the share closed in time (%, on its own axis, right).
    trend: function (spec) {
      var series = spec.bars.map(function (bar) {
        return { type: "bar", name: bar.name, data: bar.data, emphasis: { focus: "series" } };
      });
      series.push({
        type: "line", name: spec.line.name, data: spec.line.data, yAxisIndex: 1,
        symbolSize: 7, connectNulls: false, z: 3
      });
      return {
        tooltip: { trigger: "axis", confine: true },
        legend: legend(),
        grid: { left: 8, right: 8, top: 48, bottom: 4, containLabel: true },
        xAxis: { type: "category", data: spec.categories },
        yAxis: [
          { type: "value", minInterval: 1 },
          {
            type: "value", min: 0, max: 100, splitLine: { show: false },
            axisLabel: { formatter: "{value}%" }
          }
        ],
        series: series
      };
    },

    // Rows (units or platforms) by quarters, each cell the share contacted; '-' where none was owed.
    heatmap: function (spec, el) {
      var narrow = isNarrow(el);
      return {
        tooltip: {
          confine: true,
          formatter: function (p) {
            var value = p.value[2];
            return escape(spec.y[p.value[1]]) + "<br>" + escape(spec.x[p.value[0]]) + ": " +
              (value === "-" ? "—" : escape(value) + "%");
          }
        },
        grid: { left: 8, right: 8, top: 8, bottom: 52, containLabel: true },
        xAxis: { type: "category", data: spec.x, splitArea: { show: true } },
        yAxis: {
          type: "category", data: spec.y, inverse: true, splitArea: { show: true },
          axisLabel: { width: narrow ? 110 : 220, overflow: "truncate" }
        },
        visualMap: {
          min: 0, max: 100, calculable: false, orient: "horizontal", left: "center", bottom: 0,
          itemHeight: narrow ? 140 : 220, text: ["100%", "0%"],
          inRange: { color: ["#f8d7da", "#fff3cd", "#d1e7dd", "#198754"] }
        },
        series: [{
          type: "heatmap", name: spec.value_name,
          data: spec.data.map(function (d) { return [d[0], d[1], d[2] === null ? "-" : d[2]]; }),
          label: {
            show: true,
            formatter: function (p) { return p.value[2] === "-" ? "" : Math.round(p.value[2]) + "%"; }
          }
        }]
      };
    },

    // Bars per category, stacked by series (issues by class and state; ratings by source).
    stacked: function (spec) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
        legend: legend(),
        grid: { left: 8, right: 8, top: 40, bottom: 4, containLabel: true },
        xAxis: { type: "category", data: spec.categories },
        yAxis: { type: "value", minInterval: 1 },
        series: spec.series.map(function (s) {
          return { type: "bar", stack: "total", name: s.name, data: s.data, emphasis: { focus: "series" } };
        })
      };
    },

    // Stages in order, each as wide as the achievements that reached it; the labels beside them,
    // where a narrow stage still has room for its words.
    funnel: function (spec) {
      var most = Math.max(1, spec.data.length ? spec.data[0].value : 1);
      return {
        tooltip: { trigger: "item", confine: true },
        series: [{
          type: "funnel", name: spec.value_name, sort: "none", min: 0, max: most,
          minSize: "0%", maxSize: "100%", left: 4, width: "56%", top: 4, bottom: 4, gap: 2,
          label: { show: true, position: "right", formatter: "{b}: {c}", color: "inherit" },
          labelLine: { show: true, length: 8 },
          data: spec.data
        }]
      };
    },

    // The city's districts, shaded by the first figure; the tooltip gives them all.
    map: function (spec, el) {
      var narrow = isNarrow(el);
      return {
        tooltip: {
          trigger: "item", confine: true,
          formatter: function (p) {
            var lines = [escape(p.name)];
            (p.data && p.data.details || [[spec.value_name, 0]]).forEach(function (pair) {
              lines.push(escape(pair[0]) + ": " + escape(pair[1]));
            });
            return lines.join("<br>");
          }
        },
        visualMap: {
          min: 0, max: Math.max(1, spec.max), calculable: false, orient: "horizontal", left: "center",
          bottom: 0, itemHeight: narrow ? 140 : 220, text: [String(Math.max(1, spec.max)), "0"],
          inRange: { color: ["#e7f1ff", "#0a58ca"] }
        },
        series: [{
          type: "map", map: spec.map, nameMap: spec.name_map, name: spec.value_name, roam: false,
          top: 8, bottom: 48, left: 8, right: 8, preserveAspect: "contain",
          label: { show: !narrow, fontSize: 11 },
          labelLayout: { hideOverlap: true },
          emphasis: { label: { show: true } },
          data: spec.data
        }]
      };
    }
  };

  function specOf(el) {
    var source = document.getElementById(el.getAttribute("data-spec"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function optionsFor(entry) {
    var option = builders[entry.spec.kind](entry.spec, entry.el);
    option.color = PALETTE;
    option.animationDuration = 300;
    option.textStyle = { fontFamily: window.getComputedStyle(document.body).fontFamily };
    // ECharts puts this on the container as its aria-label: the template's words, kept.
    option.aria = { enabled: true, label: { description: entry.el.getAttribute("aria-label") } };
    return option;
  }

  function draw(el) {
    var spec = specOf(el);
    if (!spec || !builders[spec.kind] || !window.echarts) return;
    if (spec.kind === "map" && !window.echarts.getMap(spec.map)) {
      // No geometry for this map name (a misnamed setting): the table says it all.
      el.hidden = true;
      return;
    }
    if (spec.kind === "heatmap") {
      el.style.height = Math.max(180, 90 + 30 * spec.y.length) + "px";
    }
    var lang = (document.documentElement.lang || "").toLowerCase();
    var chart = window.echarts.init(el, null, { renderer: "svg", locale: lang.indexOf("zh") === 0 ? "ZH" : "EN" });
    var entry = { el: el, spec: spec, chart: chart, narrow: isNarrow(el) };
    chart.on("finished", function () { el.setAttribute("data-drawn", "true"); });
    chart.setOption(optionsFor(entry));
    drawn.push(entry);
  }

  function redraw() {
    drawn.forEach(function (entry) {
      var narrow = isNarrow(entry.el);
      if (narrow !== entry.narrow) {
        entry.narrow = narrow;
        entry.chart.setOption(optionsFor(entry), { notMerge: true });
      }
      entry.chart.resize();
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(redraw, 150);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".dashboard-chart[data-spec]").forEach(draw);
  });
})();
