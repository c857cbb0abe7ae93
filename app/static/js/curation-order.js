// Drag and drop for a module's collection (progressive enhancement): the up/down buttons
// work without it; this only posts the new order to the same server route and reloads.
(function () {
  "use strict";
  var list = document.querySelector("ol.pick-order[data-reorder-url]");
  if (!list || !window.fetch || !window.FormData) { return; }
  var dragged = null;

  function items() { return Array.prototype.slice.call(list.querySelectorAll("li[data-pick-id]")); }

  function order() { return items().map(function (item) { return item.getAttribute("data-pick-id"); }).join(","); }
  var saved = order();

  function save() {
    if (order() === saved) { return; }
    var body = new FormData();
    body.append("csrf_token", list.getAttribute("data-csrf"));
    items().forEach(function (item) { body.append("reihenfolge", item.getAttribute("data-pick-id")); });
    fetch(list.getAttribute("data-reorder-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-Requested-With": "fetch"}
    }).then(function () { window.location.reload(); });
  }

  items().forEach(function (item) {
    item.setAttribute("draggable", "true");
    item.classList.add("draggable");
    item.addEventListener("dragstart", function (event) {
      dragged = item;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.getAttribute("data-pick-id"));
    });
    item.addEventListener("dragover", function (event) {
      if (!dragged || dragged === item) { return; }
      event.preventDefault();
      var box = item.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? item.nextSibling : item);
    });
    item.addEventListener("dragend", function () {
      item.classList.remove("dragging");
      if (dragged) { dragged = null; save(); }
    });
  });
  var hint = document.createElement("p");
  hint.className = "form-hint";
  hint.textContent = list.getAttribute("data-drag-hint");  // translated in the template
  list.parentNode.insertBefore(hint, list);
}());
