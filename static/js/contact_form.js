/* The contact form: add and remove the rows of each section (issues, achievements, services), and
   feed the issues' due-date preview (an htmx GET) with the row's class and the contact's date.
   Works with each formset's management form: removed rows leave a gap in the numbering, which
   Django skips as an empty, unchanged form. */
(function () {
  "use strict";
  var form = document.getElementById("contact-form");
  if (!form) return;
  var dateInput = document.getElementById("id_date");

  // Each "add" button names its section: data-prefix (the formset's), data-rows, data-template.
  form.querySelectorAll("button[data-prefix]").forEach(function (addButton) {
    var rows = document.getElementById(addButton.dataset.rows);
    var template = document.getElementById(addButton.dataset.template);
    var total = form.querySelector("input[name='" + addButton.dataset.prefix + "-TOTAL_FORMS']");
    if (!rows || !template || !total) return;

    function updateAddButton() {
      var max = parseInt(addButton.dataset.max || "1000", 10);
      addButton.disabled = parseInt(total.value, 10) >= max;
    }

    addButton.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      if (window.htmx) window.htmx.process(row);
      updateAddButton();
      var first = row.querySelector("input[type='text'], select, textarea");
      if (first) first.focus();
    });

    rows.addEventListener("click", function (event) {
      var button = event.target.closest(".remove-row");
      if (!button) return;
      var row = button.closest(".finding-row");
      if (row) row.remove();
      if (!rows.querySelector(".finding-row")) addButton.focus();
    });

    updateAddButton();
  });

  // The preview endpoint takes ?issue_class=&recorded_on=; the row's radios are named
  // issues-N-issue_class, so the parameters are set here rather than by hx-include.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt.classList || !elt.classList.contains("due-preview")) return;
    var row = elt.closest(".issue-row");
    var checked = row && row.querySelector("input[type='radio'][name$='-issue_class']:checked");
    if (!checked) {
      event.preventDefault();
      elt.innerHTML = "";
      return;
    }
    var params = event.detail.parameters;
    params["issue_class"] = checked.value;
    params["recorded_on"] = dateInput ? dateInput.value : "";
  });

  // A second tap on "save" while the first request is on its way must not log the contact twice.
  form.addEventListener("submit", function () {
    var save = document.getElementById("save-contact");
    if (save) setTimeout(function () { save.disabled = true; }, 0);
  });
})();
