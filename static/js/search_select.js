// A record select with too many choices to list (config/search_select.py) holds only the chosen
// one: a search box before it asks the portal for the records matching what is typed.
(function () {
  "use strict";
  var WAIT_MS = 250;

  function keepOnly(select) {
    // The empty choice and the chosen one stay; earlier matches go.
    Array.prototype.slice.call(select.options).forEach(function (option) {
      if (option.value !== "" && !option.selected) option.remove();
    });
  }

  function attach(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control mb-1";
    box.placeholder = select.dataset.searchPlaceholder || "";
    box.setAttribute("aria-label", select.dataset.searchPlaceholder || "");
    box.setAttribute("aria-controls", select.id);
    box.autocomplete = "off";
    select.parentNode.insertBefore(box, select);
    var timer = null;
    var asked = 0;

    function search() {
      var ask = ++asked;
      var url = select.dataset.searchUrl + "?q=" + encodeURIComponent(box.value.trim());
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (ask !== asked) return; // an answer to an earlier search
          keepOnly(select);
          var found = document.createElement("select");
          found.innerHTML = html;
          var present = {};
          Array.prototype.forEach.call(select.options, function (option) { present[option.value] = true; });
          var added = 0;
          Array.prototype.slice.call(found.options).forEach(function (option) {
            if (!present[option.value]) { select.appendChild(option); added += 1; }
          });
          if (!added) {
            var none = document.createElement("option");
            none.disabled = true;
            none.value = "-";
            none.textContent = select.dataset.searchNone || "";
            select.appendChild(none);
          }
        });
    }

    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, WAIT_MS);
    });
    // Enter searches at once rather than sending the form around the select.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); window.clearTimeout(timer); search(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-search-url]").forEach(attach);
  });
})();
