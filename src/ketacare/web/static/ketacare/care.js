// The plan editor: show the dose in the other unit as it is typed (mg <-> mg/kg).
// Display only: the server computes and checks the dose the plan stores.
(function () {
  "use strict";
  function update() {
    var dose = document.getElementById("id_dose");
    var unit = document.getElementById("id_dose_unit");
    var weight = document.getElementById("id_weight_kg");
    var out = document.getElementById("dose-other");
    if (!dose || !unit || !out) { return; }
    var form = document.getElementById("plan-form");
    var kg = parseFloat((weight && weight.value) || (form && form.dataset.weightKg) || "");
    var value = parseFloat(dose.value);
    if (!(value > 0) || !(kg > 0)) { out.textContent = "…"; return; }
    out.textContent = unit.value === "mg_per_kg"
      ? (Math.round(value * kg * 100) / 100) + " mg"
      : (Math.round(value / kg * 1000) / 1000) + " mg/kg";
  }
  document.addEventListener("input", update);
  document.addEventListener("change", update);
  document.addEventListener("DOMContentLoaded", update);
})();

// The plan editor: show only the fields of the chosen product. The server renders the
// same choice (the groups of the other products come `hidden`); without JavaScript,
// "Update the preview" re-renders the form for a new choice.
(function () {
  "use strict";
  function show(attribute, value) {
    var groups = document.querySelectorAll("#plan-form [" + attribute + "]");
    Array.prototype.forEach.call(groups, function (group) {
      var values = group.getAttribute(attribute).split(" ");
      var invalid = group.querySelector(".invalid");
      group.hidden = values.indexOf(value) === -1 && !invalid;
    });
  }
  function update(event) {
    var target = event && event.target;
    if (!target || target.id === "id_formulation_kind") {
      var kind = document.getElementById("id_formulation_kind");
      if (kind) { show("data-kinds", kind.value); }
    }
  }
  document.addEventListener("change", update);
  document.addEventListener("DOMContentLoaded", function () { update(null); });
})();
