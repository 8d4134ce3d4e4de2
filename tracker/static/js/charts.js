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

// Details of a timeline's marks on focus and on tap, not only on a mouse's hover: a native SVG
// title never shows to a keyboard or a finger. Focusing a mark (Tab) shows what it is in a
// panel next to it; Enter then opens it. The first tap on a mark shows the panel, with a link
// to open it; a second tap opens it. A group of marks close together ("+3") lists them all.
// Without JavaScript every mark is still a link to its measure (a group to the measure's
// events), and the page lists the same events in date order.
(function () {
  "use strict";
  var SVG_TITLE = "title";

  function lines(link) {
    var title = null;
    for (var i = 0; i < link.children.length; i++) {
      if (link.children[i].tagName.toLowerCase() === SVG_TITLE) { title = link.children[i]; break; }
    }
    return title ? title.textContent.split("\n").filter(function (line) { return line.trim(); }) : [];
  }

  function members(link) {
    var next = link.nextElementSibling;
    if (!next || !next.classList.contains("mark-group__members")) return null;
    return Array.prototype.slice.call(next.querySelectorAll("a"));
  }

  function anchor(link, text) {
    var a = document.createElement("a");
    a.href = link.getAttribute("href");
    var target = link.getAttribute("target");
    if (target) { a.target = target; a.rel = "noopener"; }
    a.textContent = text;
    return a;
  }

  function setUp(svg) {
    if (svg.getAttribute("data-details") === "on") return;
    svg.setAttribute("data-details", "on");
    var marks = svg.querySelector(".marks");
    if (!marks) return;
    var holder = svg.closest("figure, .embed-variant") || svg.parentNode;
    var panel = document.createElement("div");
    panel.className = "chart-details";
    panel.hidden = true;
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-label", "Details of the selected mark");
    panel.setAttribute("aria-live", "polite");
    holder.appendChild(panel);
    var current = null;
    var tapped = null;
    var touch = false;

    function place(link) {
      var parent = panel.offsetParent || document.body;
      var box = parent.getBoundingClientRect();
      var mark = link.getBoundingClientRect();
      var width = Math.min(352, box.width - 8);
      panel.style.width = width + "px";
      var left = Math.min(Math.max(mark.left - box.left - 24, 4), box.width - width - 4);
      panel.style.left = Math.max(left, 0) + "px";
      panel.style.top = (mark.bottom - box.top + 6) + "px";
    }

    function show(link, asList) {
      current = link;
      panel.textContent = "";
      var group = members(link);
      var words = lines(link);
      var heading = document.createElement("p");
      heading.className = "chart-details__title";
      heading.textContent = words[0] || "";
      panel.appendChild(heading);
      if (group) {
        var list = document.createElement("ul");
        group.forEach(function (member) {
          var item = document.createElement("li");
          var text = lines(member);
          // What and when; the rest is one Tab (or tap) away, on the mark's own page.
          item.appendChild(anchor(member, text[0] || "Open"));
          list.appendChild(item);
        });
        panel.appendChild(list);
      } else {
        words.slice(1).forEach(function (line) {
          var p = document.createElement("p");
          p.textContent = line;
          panel.appendChild(p);
        });
        var open = anchor(link, link.closest(".marks") && link.getAttribute("href").indexOf("/statements/") >= 0
          ? "Open the statement" : "Open the measure");
        open.className = "chart-details__open";
        panel.appendChild(open);
      }
      var close = document.createElement("button");
      close.type = "button";
      close.className = "secondary chart-details__close";
      close.textContent = "Close";
      close.addEventListener("click", function () { hide(true); });
      panel.appendChild(close);
      panel.hidden = false;
      place(link);
      document.dispatchEvent(new CustomEvent("tracker:resized"));
      if (asList) {
        var first = panel.querySelector("a");
        if (first) first.focus();
      }
    }

    function hide(refocus) {
      panel.hidden = true;
      if (refocus && current) current.focus();
      current = null;
      tapped = null;
      document.dispatchEvent(new CustomEvent("tracker:resized"));
    }

    marks.addEventListener("focusin", function (event) {
      var link = event.target.closest("a");
      if (link && link !== current) show(link, false);
    });
    marks.addEventListener("pointerdown", function (event) {
      touch = event.pointerType === "touch" || event.pointerType === "pen";
    });
    marks.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link) return;
      var isGroup = members(link) !== null;
      // A group opens its list; a tap shows the details first (a second tap opens the mark).
      // (A tap focuses the mark first, which shows the panel too: what counts is whether this
      // mark was tapped before.)
      if (isGroup || (touch && (tapped !== link || panel.hidden))) {
        event.preventDefault();
        show(link, isGroup && !touch);
        tapped = link;
      }
      touch = false;
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") hide(true);
    });
    svg.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) hide(false);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("svg.chart--timeline").forEach(setUp);
  });
})();

// In an embed: tell the page around the frame how tall the chart is, so that the snippet's
// line of script can fit the frame to it at any width (tracker.web.charts.embed_snippet).
(function () {
  "use strict";
  if (window.parent === window) return;
  function report() {
    if (!document.body || !document.body.classList.contains("embed")) return;
    var main = document.querySelector("main");
    if (!main) return;
    var bottom = main.getBoundingClientRect().bottom;
    document.querySelectorAll(".chart-details").forEach(function (panel) {
      if (!panel.hidden) bottom = Math.max(bottom, panel.getBoundingClientRect().bottom + 8);
    });
    var height = Math.ceil(bottom + window.scrollY);
    window.parent.postMessage({ trackerEmbedHeight: height }, "*");
  }
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
  document.addEventListener("tracker:resized", report);
})();
