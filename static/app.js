// Store the browser's timezone for server-rendered times and show instants in it.
(function () {
  "use strict";
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) {
    document.cookie = "smartshare_tz=" + encodeURIComponent(zone) +
      "; path=/; max-age=31536000; SameSite=Lax";
  }
  var format = new Intl.DateTimeFormat(undefined, {
    weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short"
  });

  function localize(root) {
    root.querySelectorAll("time[data-viewer]").forEach(function (element) {
      var moment = new Date(element.getAttribute("datetime"));
      if (!isNaN(moment)) {
        element.textContent = format.format(moment);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { localize(document); });
  document.addEventListener("htmx:load", function (event) { localize(event.detail.elt); });
})();
