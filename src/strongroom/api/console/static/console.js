// The console's one script, and all of it optional: pages work without it.
// - An element with data-poll="URL" has its content replaced by GET URL (an HTML fragment) every
//   data-every milliseconds (default 2000), while the page is visible, until a fragment holds
//   an element marked data-poll-stop (what it shows will not change again).
// - A form with data-confirm="question" asks before it is submitted.
(function () {
  "use strict";
  function poll(element) {
    var every = parseInt(element.getAttribute("data-every") || "2000", 10);
    var url = element.getAttribute("data-poll");
    var timer = null;
    function tick() {
      if (document.visibilityState !== "visible") { return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.redirected || !response.ok) { return null; }
          return response.text();
        })
        .then(function (html) {
          if (html === null) { return; }
          element.innerHTML = html;
          if (element.querySelector("[data-poll-stop]")) { clearInterval(timer); }
        })
        .catch(function () { /* the next tick tries again */ });
    }
    timer = setInterval(tick, every);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(poll);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
