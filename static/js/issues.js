// The issue pages' small enhancements; every page works without them.
(function () {
  "use strict";
  // With JavaScript, htmx keeps the projected due date current: the no-JS preview button can go.
  document.documentElement.classList.add("js");

  function tooltips(root) {
    if (!window.bootstrap) return;
    root.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) {
      window.bootstrap.Tooltip.getOrCreateInstance(el);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tooltips(document); });
  // Fragments swapped in by htmx (the projected due date) may carry a "provisional" badge.
  document.addEventListener("htmx:afterSwap", function (event) { tooltips(event.detail.target.parentNode || document); });
})();

// A link to an action (…/issues/7/#action-hand-over) opens that action's form.
(function () {
  "use strict";
  function openTarget() {
    var id = window.location.hash.slice(1);
    var target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView({ block: "start" });
    }
  }
  document.addEventListener("DOMContentLoaded", openTarget);
  window.addEventListener("hashchange", openTarget);
})();
