// Warns before the idle timeout ends the session on a shared computer, and offers to stay
// signed in. Asking for the time left does not count as activity; "Stay signed in" does.
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box || !window.fetch) { return; }
  var left = document.getElementById("idle-left");
  var stay = document.getElementById("idle-stay");
  var csrf = box.getAttribute("data-csrf");
  var remaining = null, minutes = 0, timer = null;

  function show(seconds) {
    left.textContent = seconds + " second" + (seconds === 1 ? "" : "s");
    if (box.hidden) { box.hidden = false; stay.focus(); }
  }
  function ended() {
    window.location.assign("/login/signed-out" + (minutes ? "?after=" + minutes : ""));
  }
  function poll() {
    fetch("/login/session/idle", {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.signed_in === false) { ended(); return; }
        if (typeof data.remaining !== "number") { return; }  // not the idp answering
        remaining = data.remaining; minutes = data.idle_minutes;
        schedule();
      })
      .catch(function () { timer = setTimeout(poll, 30000); });
  }
  function warnAt() { return Math.min(120, Math.floor(minutes * 60 / 2)); }
  function schedule() {
    clearTimeout(timer);
    if (remaining > warnAt()) {
      box.hidden = true;
      timer = setTimeout(poll, Math.min(30, remaining - warnAt()) * 1000);
      return;
    }
    tick();
  }
  function tick() {
    if (remaining <= 0) { poll(); return; }
    show(remaining);
    remaining -= 1;
    timer = setTimeout(tick, 1000);
  }
  stay.addEventListener("click", function () {
    var body = new URLSearchParams();
    body.set("csrf_token", csrf);
    fetch("/login/session/stay", {method: "POST", credentials: "same-origin", body: body})
      .then(function () { box.hidden = true; poll(); });
  });
  poll();
})();
