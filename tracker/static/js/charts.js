// A timeline's latest events are at its right end. When a chart is wider than the screen (a
// phone), start it scrolled to that end; the reader scrolls back for the history. Without
// JavaScript the chart simply starts at its left edge.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".chart-scroll[data-scroll-end]").forEach(function (box) {
      box.scrollLeft = box.scrollWidth;
    });
  });
})();

// In an embed: tell the page around the frame how tall the chart is, so that the snippet's
// line of script can fit the frame to it at any width (tracker.web.charts.embed_snippet).
(function () {
  "use strict";
  if (window.parent === window || !document.body || !document.body.classList) return;
  function report() {
    if (!document.body.classList.contains("embed")) return;
    var main = document.querySelector("main");
    if (!main) return;
    var height = Math.ceil(main.getBoundingClientRect().height);
    window.parent.postMessage({ trackerEmbedHeight: height }, "*");
  }
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
})();
