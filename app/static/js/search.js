// Progressive enhancement for /suche: results follow the typing, selects apply at once.
// Without JavaScript the form and the facet links do exactly the same through page loads.
(function () {
  "use strict";
  var form = document.getElementById("suchformular");
  var region = document.getElementById("suchergebnisse");
  var status = document.getElementById("suchstatus");
  if (!form || !region || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var field = form.querySelector("input[name=q]");
  var timer = null;
  var latest = 0;

  function currentUrl() {
    var params = new URLSearchParams(new FormData(form));
    params.delete("page");
    // Drop empty values so URLs stay short and shareable.
    var clean = new URLSearchParams();
    params.forEach(function (value, key) { if (value.trim() !== "") { clean.append(key, value); } });
    var query = clean.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  function refresh() {
    var url = currentUrl();
    var ticket = ++latest;
    region.setAttribute("aria-busy", "true");
    fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (ticket !== latest) { return; }  // a newer request is under way
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("suchergebnisse");
        var freshStatus = page.getElementById("suchstatus");
        if (fresh) { region.innerHTML = fresh.innerHTML; }
        if (freshStatus && status) { status.textContent = freshStatus.textContent; }
        if (page.title) { document.title = page.title; }
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", url);
        }
      })
      .catch(function () { /* keep the old results; the submit button still works */ })
      .then(function () { if (ticket === latest) { region.removeAttribute("aria-busy"); } });
  }

  if (field) {
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 350);
    });
  }
  Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
    select.addEventListener("change", function () { window.clearTimeout(timer); refresh(); });
  });
})();
