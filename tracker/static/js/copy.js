// Adds a "Copy" button next to every read-only snippet (the embed code). Without JavaScript
// the snippet is still there to select and copy by hand.
(function () {
  "use strict";
  function addButton(field) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary copy-button";
    button.textContent = "Copy";
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      field.select();
      var done = function () { status.textContent = "Copied."; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          status.textContent = "Press Ctrl+C (⌘C) to copy.";
        });
      } else {
        status.textContent = "Press Ctrl+C (⌘C) to copy.";
      }
    });
    field.addEventListener("focus", function () { field.select(); });
    field.insertAdjacentElement("afterend", status);
    field.insertAdjacentElement("afterend", button);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-copy]").forEach(addButton);
  });
})();
