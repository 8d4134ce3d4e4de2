// Progressive enhancement for the editing forms; every form works without it.
// A long multiple choice list (co-signatories, measures) gets a box to filter it by typing
// part of a name. Chosen options stay visible so that nothing chosen is hidden by a filter.
(function () {
  "use strict";

  function addFilter(select) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "picker-filter";
    input.placeholder = "Type to filter the list";
    input.setAttribute("aria-label", "Filter: " + (select.labels && select.labels[0] ? select.labels[0].textContent : "options"));
    input.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(input, select);
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        var match = !needle || option.text.toLowerCase().indexOf(needle) !== -1;
        option.hidden = !(match || option.selected);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("select[multiple][data-filter]"), addFilter);
    // The filters' <details> is laid out open from 600px up by CSS (::details-content); a
    // browser without that selector gets it opened here instead (and a "Filters" button
    // without script).
    if (window.matchMedia && window.matchMedia("(min-width: 37.5rem)").matches) {
      Array.prototype.forEach.call(document.querySelectorAll("details.filter-drawer"), function (drawer) {
        if (!CSS.supports("selector(::details-content)")) { drawer.open = true; }
      });
    }
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
})();
