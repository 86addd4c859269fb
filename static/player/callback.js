/* The callback form: once a day is picked, the time list offers only that day's open hours
 * (today: those still to come). Without this script every hour is listed and the server says
 * when the day does not have the one picked. */
(function () {
  "use strict";

  var day = document.getElementById("day");
  var time = document.getElementById("time");
  if (!day || !time) return;

  function offerTimes() {
    var picked = day.options[day.selectedIndex];
    var open = picked ? (picked.getAttribute("data-times") || "").split(" ") : [];
    var first = null;
    Array.prototype.forEach.call(time.options, function (option) {
      var offered = open.indexOf(option.value) >= 0;
      option.hidden = !offered;
      option.disabled = !offered;
      if (offered && !first) first = option;
    });
    var chosen = time.options[time.selectedIndex];
    if ((!chosen || chosen.disabled) && first) first.selected = true;
  }

  day.addEventListener("change", offerTimes);
  offerTimes();
})();
