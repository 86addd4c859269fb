/* Only a browser without ES modules runs this (the page loads it with ``nomodule``): the
 * player cannot start there, so the page points to the text version instead. Old syntax on
 * purpose. */
(function () {
  var notice = document.getElementById("no-modules");
  if (notice) notice.hidden = false;
})();
