// jobcrawl search page: small conveniences. Everything works without this
// file: the filters are a form with an "Apply" button, the pages are links.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js"); // hides the Apply buttons: changes apply at once

  var form = document.getElementById("search");
  if (form) {
    // A facet ticked or the sort changed: search again.
    form.addEventListener("change", function (e) {
      var name = e.target && e.target.name;
      if (name === "f" || name === "sort") {
        submit();
      }
    });
    // Leave empty fields out of the address.
    form.addEventListener("submit", function () {
      root.classList.add("loading");
      Array.prototype.forEach.call(form.elements, function (el) {
        if ((el.name === "q" || el.name === "sort") && !el.value) {
          el.disabled = true;
        }
      });
    });
  }
  function submit() {
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  // On a narrow screen the filters start folded, unless some are on.
  var filters = document.getElementById("filters");
  if (filters && !filters.hasAttribute("data-active") &&
      window.matchMedia("(max-width: 55.99rem)").matches) {
    filters.open = false;
  }

  // "/" jumps to the search box.
  var q = document.getElementById("q");
  document.addEventListener("keydown", function (e) {
    var tag = document.activeElement && document.activeElement.tagName;
    if (e.key === "/" && q && tag !== "INPUT" && tag !== "SELECT" && tag !== "TEXTAREA") {
      e.preventDefault();
      q.focus();
      q.select();
    }
  });

  // Back to the results the posting was opened from, if that is where we came from.
  var back = document.getElementById("back");
  if (back && document.referrer) {
    try {
      var ref = new URL(document.referrer);
      if (ref.origin === location.origin && ref.pathname === "/") {
        back.href = ref.pathname + ref.search;
        back.textContent = "← Back to results";
      }
    } catch (err) { /* no referrer we can use */ }
  }

  // Coming back with the browser's Back button: not loading any more.
  window.addEventListener("pageshow", function () { root.classList.remove("loading"); });
})();
