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
