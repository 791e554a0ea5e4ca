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

  // The sticky save bar must not cover the field the keyboard moves to: a browser scrolls a field
  // that is partly in view no further, so lift it above the bar (portal.css sets the margins).
  var bar = form.querySelector(".submit-bar");
  form.addEventListener("focusin", function (event) {
    if (!bar || bar.contains(event.target)) return;
    var target = event.target.matches(".btn-check") ? form.querySelector("label[for='" + event.target.id + "']") : event.target;
    if (!target) return;
    var covered = target.getBoundingClientRect().bottom - bar.getBoundingClientRect().top;
    if (covered > 0) window.scrollBy(0, covered + 8);
  });

  // After a failed submit the keyboard starts at the first field in error, not at the top of the
  // page; the alert above the form says what happened. A radio group's error (the platform, the
  // kind, an issue's class) belongs to its fieldset: focus goes to the group's chosen or first radio.
  var firstError = form.querySelector(".invalid-feedback");
  if (firstError) {
    var field = document.getElementById(firstError.id.replace(/_error$/, ""));
    if (!field || field.type === "hidden") {
      var group = firstError.closest("fieldset") || firstError.parentElement;
      field = group && (group.querySelector("input:checked:not([type='hidden'])") ||
                        group.querySelector("input:not([type='hidden']), select, textarea"));
    }
    if (field) {
      field.focus();
    } else {
      var summary = document.getElementById("form-errors");
      if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }
    }
  }

  // A second tap on "save" while the first request is on its way must not log the contact twice.
  form.addEventListener("submit", function () {
    var save = document.getElementById("save-contact");
    if (save) setTimeout(function () { save.disabled = true; }, 0);
  });
})();
