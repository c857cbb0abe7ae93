// "Gibt es schon …?" while the title is typed: asks the search API for similar published
// entries. Without JavaScript the same list appears on the preview.
(function () {
  "use strict";
  var title = document.getElementById("feld-title");
  var box = document.getElementById("gibt-es-schon");
  if (!title || !box || !window.fetch) { return; }
  var timer = null;

  function show(results) {
    box.textContent = "";
    if (!results.length) { return; }
    var heading = document.createElement("h2");
    heading.className = "similar-title";
    heading.textContent = box.getAttribute("data-heading");  // texts translated in the template
    var hint = document.createElement("p");
    hint.textContent = box.getAttribute("data-hint");
    var list = document.createElement("ul");
    results.slice(0, 5).forEach(function (hit) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = hit.url;
      link.textContent = hit.title;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" (" + hit.municipality + ")"));
      list.appendChild(item);
    });
    box.appendChild(heading);
    box.appendChild(hint);
    box.appendChild(list);
  }

  title.addEventListener("input", function () {
    clearTimeout(timer);
    var q = title.value.trim();
    if (q.length < 4) { box.textContent = ""; return; }
    timer = setTimeout(function () {
      fetch(title.getAttribute("data-similar") + "?per_page=5&q=" + encodeURIComponent(q),
            {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {results: []}; })
        .then(function (data) { show(data.results || []); })
        .catch(function () {});
    }, 400);
  });
}());

// Enter in the "Übernommen von" search box looks entries up (the button next to it), as a
// click would; without JavaScript the browser uses the form's first button (Vorschau),
// which lists the found entries too.
(function () {
  "use strict";
  var query = document.getElementById("feld-adopted_from");
  var button = document.getElementById("uebernahme-suchen");
  if (!query || !button) { return; }
  query.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      button.click();
    }
  });
}());
