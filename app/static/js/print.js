// Adds a "Drucken" button to the print view (the page works without it: Ctrl+P).
(function () {
  "use strict";
  var slot = document.querySelector(".print-button-slot");
  if (!slot || !window.print) { return; }
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = slot.getAttribute("data-label") || "Drucken";
  button.addEventListener("click", function () { window.print(); });
  slot.appendChild(button);
})();
