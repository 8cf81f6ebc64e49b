// Patient forms: hide a C-SSRS follow-up question until the question it follows is
// answered yes. Only a convenience: the server decides what was asked (CLINICAL.md A8).
(function () {
  "use strict";
  function update(form) {
    form.querySelectorAll("fieldset[data-asked-if]").forEach(function (item) {
      var gate = form.querySelector('input[name="' + item.dataset.askedIf + '"]:checked');
      var asked = gate !== null && gate.value === "1";
      item.hidden = !asked;
      item.querySelectorAll("input").forEach(function (input) { input.required = asked; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.questionnaire").forEach(function (form) {
      update(form);
      form.addEventListener("change", function () { update(form); });
    });
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
