// The self-screen: show crisis help as soon as PHQ-9 item 9 is answered above 0.
// Progressive enhancement: without JavaScript the result page shows it first anyway.
(function () {
  "use strict";
  var help = document.getElementById("item9-help");
  if (!help) { return; }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.name === "phq9_9") {
      help.hidden = input.value === "0";
    }
  });
}());
