// Copy and print buttons for the recovery codes page; without script the download and the
// browser's own print still work.
(function () {
  "use strict";
  var list = document.getElementById("recovery-codes");
  if (!list) { return; }
  var status = document.getElementById("copy-status");
  var copy = document.getElementById("copy-codes");
  var print = document.getElementById("print-codes");
  var codes = Array.prototype.map.call(list.querySelectorAll("code"), function (el) {
    return el.textContent;
  }).join("\n");
  if (navigator.clipboard && copy) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(codes).then(function () {
        status.textContent = "The codes were copied.";
      }, function () {
        status.textContent = "Copying did not work: select the codes and copy them yourself.";
      });
    });
  }
  if (window.print && print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
